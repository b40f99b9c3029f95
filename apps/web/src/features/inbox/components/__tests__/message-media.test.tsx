import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { MessageMedia } from '@/types/api';
import { makeMessage } from '@/testing/data';
import { renderWithProviders } from '@/testing/render';

import { conversationKeys } from '../../api/get-conversations';
import { MessageBubble } from '../message-bubble';

const FUTURE = Math.floor(Date.now() / 1000) + 600;
const url = (id: string, exp = FUTURE) => `/api/media/${id}?exp=${exp}&sig=abc`;

function media(overrides: Partial<MessageMedia> = {}): MessageMedia {
  return {
    mime_type: 'image/jpeg',
    size: 120_000,
    filename: null,
    caption: null,
    status: 'ready',
    url: url('m1'),
    error: null,
    ...overrides,
  };
}

describe('MessageBubble media', () => {
  it('shows an image preview with its caption and opens it in a lightbox', async () => {
    renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'image',
          text: 'caixa amassada',
          media: media({ caption: 'caixa amassada' }),
        })}
      />,
    );
    const preview = screen.getByRole('img', { name: 'caixa amassada' });
    expect(preview).toHaveAttribute('src', url('m1'));
    expect(screen.getByText('caixa amassada', { selector: 'p' })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Open image' }));

    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByTestId('lightbox-image')).toHaveAttribute('src', url('m1'));
    expect(within(dialog).getByRole('link', { name: 'Download' })).toHaveAttribute(
      'href',
      url('m1'),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows a sticker small, without a caption, and it too opens in the lightbox', async () => {
    renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'sticker',
          text: null,
          media: media({ mime_type: 'image/webp', url: url('s1') }),
        })}
      />,
    );
    const sticker = screen.getByRole('img', { name: 'Sticker' });
    expect(sticker).toHaveClass('size-32');
    await userEvent.click(screen.getByRole('button', { name: 'Open image' }));
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('plays a voice note in an audio player', () => {
    const { container } = renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'audio',
          text: null,
          media: media({ mime_type: 'audio/ogg; codecs=opus', url: url('a1') }),
        })}
      />,
    );
    const audio = container.querySelector('audio');
    expect(audio).toHaveAttribute('src', url('a1'));
    expect(audio).toHaveAttribute('controls');
    expect(audio).toHaveAttribute('aria-label', 'Voice note');
    expect(screen.getByText('Voice note')).toBeInTheDocument();
  });

  it('names a forwarded audio file by its name', () => {
    const { container } = renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'audio',
          text: null,
          media: media({ mime_type: 'audio/mpeg', filename: 'podcast.mp3' }),
        })}
      />,
    );
    expect(container.querySelector('audio')).toHaveAttribute('aria-label', 'podcast.mp3');
  });

  it('plays a video with controls', () => {
    const { container } = renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'video',
          text: 'unboxing',
          media: media({ mime_type: 'video/mp4', caption: 'unboxing', url: url('v1') }),
        })}
      />,
    );
    const video = container.querySelector('video');
    expect(video).toHaveAttribute('src', url('v1'));
    expect(video).toHaveAttribute('controls');
    expect(screen.getByText('unboxing', { selector: 'p' })).toBeInTheDocument();
  });

  it('shows a document as a card with its name, type and size', () => {
    renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'document',
          text: 'Sua fatura',
          media: media({
            mime_type: 'application/pdf',
            filename: 'fatura-7781.pdf',
            size: 1_288_490,
            caption: 'Sua fatura',
            url: url('d1'),
          }),
        })}
      />,
    );
    const card = screen.getByTestId('document-card');
    expect(card).toHaveAttribute('href', url('d1'));
    expect(card).toHaveAttribute('download', 'fatura-7781.pdf');
    expect(card).toHaveTextContent('fatura-7781.pdf');
    expect(card).toHaveTextContent('PDF · 1.2 MB');
  });

  it('says the file is on its way while pending', () => {
    renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'image',
          text: null,
          media: media({ status: 'pending', url: null, size: null }),
        })}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Receiving media…');
    expect(screen.queryByRole('img', { name: 'Image' })).not.toBeInTheDocument();
  });

  it('says the file could not be received, with the reason on hover', () => {
    renderWithProviders(
      <MessageBubble
        message={makeMessage({
          type: 'document',
          text: null,
          media: media({
            status: 'failed',
            url: null,
            error: "The file's SHA-256 does not match Meta's",
          }),
        })}
      />,
    );
    const failed = screen.getByTestId('media-failed');
    expect(failed).toHaveTextContent('The media could not be received (document)');
    expect(failed).toHaveAttribute('title', "The file's SHA-256 does not match Meta's");
  });

  it('reloads the thread for fresh links when an expired link fails to load', () => {
    const message = makeMessage({
      type: 'image',
      text: null,
      media: media({ url: url('old', Math.floor(Date.now() / 1000) - 10) }),
    });
    const { queryClient } = renderWithProviders(<MessageBubble message={message} />);
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');

    fireEvent.error(screen.getByRole('img', { name: 'Image' }));
    fireEvent.error(screen.getByRole('img', { name: 'Image' }));

    expect(invalidate).toHaveBeenCalledExactlyOnceWith({
      queryKey: conversationKeys.messages(message.conversation_id),
    });
  });

  it('does not reload for a link that is still valid', () => {
    const { queryClient } = renderWithProviders(
      <MessageBubble message={makeMessage({ type: 'image', text: null, media: media() })} />,
    );
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    fireEvent.error(screen.getByRole('img', { name: 'Image' }));
    expect(invalidate).not.toHaveBeenCalled();
  });
});
