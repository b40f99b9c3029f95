import * as React from 'react';
import { AlertCircleIcon, LoaderCircleIcon } from 'lucide-react';

import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { isApiError } from '@/lib/api-client';
import { loginWithPassword } from '@/lib/auth';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import type { MessageKey } from '@/lib/i18n/messages';
import type { LoginResponse } from '@/types/api';

function loginErrorKey(error: unknown): MessageKey {
  if (isApiError(error) && error.status === 401) return 'login.invalid';
  if (isApiError(error) && error.status === 429) return 'login.throttled';
  return errorMessageKey(error);
}

export function LoginForm({
  onSuccess,
  notice,
}: {
  onSuccess: (response: LoginResponse) => void;
  notice?: string;
}) {
  const { t } = useI18n();
  const [error, setError] = React.useState<MessageKey | null>(null);
  const [pending, setPending] = React.useState(false);
  const errorId = React.useId();

  const submit = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const response = await loginWithPassword(
        String(form.get('email') ?? '').trim(),
        String(form.get('password') ?? ''),
      );
      onSuccess(response);
    } catch (e) {
      setError(loginErrorKey(e));
      setPending(false);
    }
  };

  return (
    <form
      onSubmit={submit}
      className="grid gap-4"
      noValidate={false}
      aria-describedby={error ? errorId : undefined}
    >
      {notice && !error ? (
        <Alert>
          <AlertDescription>{notice}</AlertDescription>
        </Alert>
      ) : null}
      {error ? (
        <Alert variant="destructive" id={errorId} data-testid="login-error">
          <AlertCircleIcon aria-hidden="true" />
          <AlertDescription>{t(error)}</AlertDescription>
        </Alert>
      ) : null}
      <div className="grid gap-2">
        <Label htmlFor="email">{t('login.email')}</Label>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          aria-invalid={error === 'login.invalid' || undefined}
        />
      </div>
      <div className="grid gap-2">
        <Label htmlFor="password">{t('login.password')}</Label>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={error === 'login.invalid' || undefined}
        />
      </div>
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? <LoaderCircleIcon className="animate-spin" aria-hidden="true" /> : null}
        {pending ? t('login.submitting') : t('login.submit')}
      </Button>
    </form>
  );
}
