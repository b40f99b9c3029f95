import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { makeMessage } from '@/testing/data';
import { renderWithProviders } from '@/testing/render';

import { MessageBubble } from '../message-bubble';

describe('MessageBubble', () => {
  it('quotes the message it replies to', () => {
    renderWithProviders(
      <MessageBubble
        message={makeMessage({
          text: 'Sim, temos!',
          direction: 'outbound',
          status: 'sent',
          reply_to: {
            id: 'm0',
            wamid: 'wamid.m0',
            text: 'Vocês têm azul?',
            direction: 'inbound',
          },
        })}
      />,
    );
    const quote = screen.getByLabelText('Replying to');
    expect(quote).toHaveTextContent('Customer');
    expect(quote).toHaveTextContent('Vocês têm azul?');
    expect(screen.getByRole('img', { name: 'Sent' })).toBeInTheDocument();
  });

  it('shows unsupported types as such', () => {
    renderWithProviders(
      <MessageBubble message={makeMessage({ type: 'unsupported', text: null })} />,
    );
    expect(screen.getByTestId('unsupported-message')).toHaveTextContent(
      'Unsupported message type (unsupported)',
    );
  });

  it('places inbound and outbound on opposite sides', () => {
    renderWithProviders(
      <>
        <MessageBubble message={makeMessage({ direction: 'inbound' })} />
        <MessageBubble message={makeMessage({ direction: 'outbound', status: 'read' })} />
      </>,
    );
    const [inbound, outbound] = screen.getAllByTestId('message');
    expect(inbound).toHaveClass('self-start', 'bg-bubble-inbound');
    expect(outbound).toHaveClass('self-end', 'bg-bubble-outbound');
  });
});
