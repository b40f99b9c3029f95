import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError, api } from '@/lib/api-client';
import { createFakeFetch, json } from '@/testing/fake-fetch';
import { renderWithProviders } from '@/testing/render';
import type { MessageTemplate } from '@/types/api';

import { TemplatePickerDialog } from '../template-picker';

const orderShipped: MessageTemplate = {
  id: 'tpl-1',
  name: 'pedido_enviado',
  language: 'pt_BR',
  category: 'utility',
  status: 'approved',
  parameter_format: 'positional',
  components: [
    { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} foi enviado.' },
    { type: 'FOOTER', text: 'Loja Exemplo' },
  ],
};
const resume: MessageTemplate = {
  ...orderShipped,
  id: 'tpl-2',
  name: 'retomar_atendimento',
  components: [{ type: 'BODY', text: 'Podemos continuar o atendimento?' }],
};

function setup(onSend = vi.fn(() => Promise.resolve({}))) {
  const fake = createFakeFetch(() =>
    json(200, { items: [orderShipped, resume], next_cursor: null }),
  );
  vi.stubGlobal('fetch', fake.fetch);
  const onClose = vi.fn();
  renderWithProviders(<TemplatePickerDialog numberId="num-1" onSend={onSend} onClose={onClose} />);
  return { fake, onSend, onClose };
}

afterEach(() => {
  vi.unstubAllGlobals();
  api.tokens.set(null);
});

describe('TemplatePickerDialog', () => {
  it('lists the approved templates of the number', async () => {
    const { fake } = setup();
    expect(await screen.findByRole('option', { name: /pedido_enviado/ })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: /retomar_atendimento/ })).toBeInTheDocument();
    expect(fake.calls[0]?.url).toContain('/api/numbers/num-1/templates?status=approved');
  });

  it('fills the preview as the agent types and sends Meta’s shape', async () => {
    const user = userEvent.setup();
    const { onSend, onClose } = setup();
    await user.click(await screen.findByRole('option', { name: /pedido_enviado/ }));

    const preview = screen.getByTestId('template-preview');
    expect(preview).toHaveTextContent('Olá {{1}}, seu pedido {{2}} foi enviado.');
    await user.type(screen.getByLabelText('Body {{1}}'), 'Dana');
    await user.type(screen.getByLabelText('Body {{2}}'), '#4412');
    expect(preview).toHaveTextContent('Olá Dana, seu pedido #4412 foi enviado.');
    expect(preview).toHaveTextContent('Loja Exemplo');

    await user.click(screen.getByRole('button', { name: 'Send template' }));

    expect(onSend).toHaveBeenCalledWith({
      name: 'pedido_enviado',
      language: { code: 'pt_BR' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Dana' },
            { type: 'text', text: '#4412' },
          ],
        },
      ],
    });
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it('does not send until every variable is filled', async () => {
    const user = userEvent.setup();
    const { onSend } = setup();
    await user.click(await screen.findByRole('option', { name: /pedido_enviado/ }));
    await user.type(screen.getByLabelText('Body {{1}}'), 'Dana');
    await user.click(screen.getByRole('button', { name: 'Send template' }));
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Body {{2}}')).toHaveAttribute('aria-invalid', 'true');
  });

  it('shows the server’s refusal and stays open', async () => {
    const user = userEvent.setup();
    const onSend = vi.fn(() =>
      Promise.reject(new ApiError(422, 'template_not_approved', 'Template is paused')),
    );
    const { onClose } = setup(onSend);
    await user.click(await screen.findByRole('option', { name: /retomar_atendimento/ }));
    expect(screen.getByText('This template has no variables.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Send template' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This template is not approved for this number.',
    );
    expect(onClose).not.toHaveBeenCalled();
  });

  it('filters the list by name', async () => {
    const user = userEvent.setup();
    setup();
    await screen.findByRole('option', { name: /pedido_enviado/ });
    await user.type(screen.getByRole('searchbox', { name: 'Search templates' }), 'retomar');
    expect(screen.queryByRole('option', { name: /pedido_enviado/ })).not.toBeInTheDocument();
    expect(screen.getByRole('option', { name: /retomar_atendimento/ })).toBeInTheDocument();
  });
});
