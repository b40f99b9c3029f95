import * as React from 'react';
import { Navigate, Outlet, useLocation, useMatch } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { FlaskConicalIcon, InboxIcon, LayoutDashboardIcon, SettingsIcon } from 'lucide-react';

import { AppShell, type NavItem } from '@/components/layout/app-shell';
import { UserMenu } from '@/components/layout/preferences-menu';
import { Button } from '@/components/ui/button';
import { Empty, EmptyDescription, EmptyTitle } from '@/components/ui/empty';
import { paths } from '@/config/paths';
import { useConversationEvents } from '@/features/inbox/hooks/use-conversation-events';
import { numbersQueryOptions } from '@/features/numbers/api/numbers';
import { useTransferEvents } from '@/features/transfers/hooks/use-transfer-events';
import { onSessionExpired } from '@/lib/api-client';
import { meQueryOptions, useHasSession, useLogout } from '@/lib/auth';
import { can } from '@/lib/authorization';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { useRealtimeConnection } from '@/lib/socket';
import type { Me } from '@/types/api';

import { FullPageSpinner } from './full-page-spinner';

function Shell({ me }: { me: Me }) {
  const { t } = useI18n();
  const logout = useLogout();
  useConversationEvents();
  useTransferEvents();
  const numbers = useQuery(numbersQueryOptions());
  const inConversation = useMatch('/inbox/:conversationId') !== null;
  const hasSimulated = numbers.data?.items.some((n) => n.simulated) ?? false;

  const nav: NavItem[] = [
    { to: paths.inbox(), label: t('nav.inbox'), icon: InboxIcon },
    ...(can(me, 'dashboard:view')
      ? [{ to: paths.dashboard(), label: t('nav.dashboard'), icon: LayoutDashboardIcon }]
      : []),
    { to: paths.settings(), label: t('nav.settings'), icon: SettingsIcon },
    ...(hasSimulated && can(me, 'simulator:use')
      ? [{ to: paths.simulator(), label: t('nav.simulator'), icon: FlaskConicalIcon }]
      : []),
  ];

  return (
    <AppShell
      nav={nav}
      hideMobileNav={inConversation}
      userMenu={
        <UserMenu
          name={me.name}
          email={me.email}
          roleLabel={t(`role.${me.role}`)}
          onLogout={() => void logout()}
        />
      }
    >
      <React.Suspense fallback={<FullPageSpinner />}>
        <Outlet />
      </React.Suspense>
    </AppShell>
  );
}

function AuthenticatedApp() {
  const { t } = useI18n();
  const logout = useLogout();
  const me = useQuery(meQueryOptions());
  useRealtimeConnection(true);

  if (me.isPending) return <FullPageSpinner />;
  if (me.isError) {
    return (
      <Empty className="h-dvh">
        <EmptyTitle>{t('errors.loadFailed')}</EmptyTitle>
        <EmptyDescription>{t(errorMessageKey(me.error))}</EmptyDescription>
        <div className="flex gap-2">
          <Button variant="outline" onClick={() => void me.refetch()}>
            {t('common.retry')}
          </Button>
          <Button variant="ghost" onClick={() => void logout()}>
            {t('nav.logout')}
          </Button>
        </div>
      </Empty>
    );
  }
  return <Shell me={me.data} />;
}

export default function AppRoot() {
  const hasSession = useHasSession();
  const location = useLocation();
  const [expired, setExpired] = React.useState(false);
  React.useEffect(() => onSessionExpired(() => setExpired(true)), []);

  if (!hasSession) {
    const here = location.pathname + location.search;
    return (
      <Navigate
        to={paths.login(here === '/' ? undefined : here)}
        replace
        state={expired ? { expired: true } : undefined}
      />
    );
  }
  return <AuthenticatedApp />;
}
