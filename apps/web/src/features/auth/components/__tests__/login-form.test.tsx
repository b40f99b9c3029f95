import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { api } from '@/lib/api-client';
import { json } from '@/testing/fake-fetch';
import { renderWithProviders } from '@/testing/render';

import { LoginForm } from '../login-form';

afterEach(() => {
  vi.unstubAllGlobals();
  api.tokens.set(null);
});

async function fillAndSubmit() {
  await userEvent.type(screen.getByLabelText('Email'), 'ana@example.com');
  await userEvent.type(screen.getByLabelText('Password'), 'secret123');
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('LoginForm', () => {
  it('shows wrong credentials inline and stays on the form', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(401, { error: { code: 'invalid_credentials', message: 'x' } })),
    );
    const onSuccess = vi.fn();
    renderWithProviders(<LoginForm onSuccess={onSuccess} />);
    await fillAndSubmit();
    expect(await screen.findByTestId('login-error')).toHaveTextContent('Wrong email or password.');
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(onSuccess).not.toHaveBeenCalled();
  });

  it('tells the user to wait when throttled', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(429, { error: { code: 'too_many_attempts', message: 'x' } })),
    );
    renderWithProviders(<LoginForm onSuccess={vi.fn()} />);
    await fillAndSubmit();
    expect(await screen.findByTestId('login-error')).toHaveTextContent(/Too many attempts/);
  });

  it('stores the token pair so a reload stays logged in', async () => {
    const user = { id: 'u1', email: 'ana@example.com', name: 'Ana', role: 'AGENT' };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(200, {
          access_token: 'acc',
          refresh_token: 'ref',
          token_type: 'bearer',
          expires_in: 900,
          user,
        }),
      ),
    );
    const onSuccess = vi.fn();
    renderWithProviders(<LoginForm onSuccess={onSuccess} />);
    await fillAndSubmit();
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled());
    expect(JSON.parse(localStorage.getItem('atende.session') ?? 'null')).toEqual({
      access_token: 'acc',
      refresh_token: 'ref',
    });
  });
});
