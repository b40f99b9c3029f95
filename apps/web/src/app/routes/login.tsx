import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';

import { LanguageMenu, ThemeToggle } from '@/components/layout/preferences-menu';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { paths } from '@/config/paths';
import { LoginForm } from '@/features/auth/components/login-form';
import { meQueryOptions, useHasSession } from '@/lib/auth';
import { useI18n } from '@/lib/i18n/i18n-provider';

function safeNext(next: string | null) {
  // Only same-origin paths: never bounce to another site after login.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : paths.home();
}

export default function LoginRoute() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const hasSession = useHasSession();
  const next = safeNext(params.get('next'));
  const expired = (location.state as { expired?: boolean } | null)?.expired === true;

  if (hasSession) return <Navigate to={next} replace />;

  return (
    <div className="flex min-h-dvh flex-col bg-muted/40">
      <div className="flex justify-end gap-1 p-3">
        <LanguageMenu />
        <ThemeToggle />
      </div>
      <main className="flex flex-1 items-start justify-center px-4 pt-[8vh]">
        <Card className="w-full max-w-sm">
          <CardHeader className="items-center text-center">
            <span
              aria-hidden="true"
              className="mb-2 flex size-11 items-center justify-center rounded-xl bg-primary text-lg font-bold text-primary-foreground"
            >
              A
            </span>
            <CardTitle>
              <h1 className="text-xl">{t('login.title')}</h1>
            </CardTitle>
            <CardDescription>{t('login.subtitle')}</CardDescription>
          </CardHeader>
          <CardContent>
            <LoginForm
              notice={expired ? t('login.sessionExpired') : undefined}
              onSuccess={(response) => {
                queryClient.setQueryData(meQueryOptions().queryKey, {
                  ...response.user,
                  teams: [],
                });
                void queryClient.invalidateQueries({ queryKey: meQueryOptions().queryKey });
                void navigate(next, { replace: true });
              }}
            />
          </CardContent>
        </Card>
      </main>
    </div>
  );
}
