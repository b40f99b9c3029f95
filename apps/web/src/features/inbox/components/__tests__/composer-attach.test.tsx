import * as React from 'react';
import { createEvent, fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { renderWithProviders } from '@/testing/render';

import { AttachmentPreview } from '../attachment-preview';
import { Composer } from '../composer';

const pdf = () => new File(['%PDF-1.4'], 'fatura.pdf', { type: 'application/pdf' });

function StagedComposer({ onSend }: { onSend: (text: string, file: File | null) => void }) {
  const [file, setFile] = React.useState<File | null>(null);
  return (
    <Composer
      blocked={null}
      onAttach={setFile}
      attachment={
        file ? (
          <AttachmentPreview file={file} progress={null} onRemove={() => setFile(null)} />
        ) : null
      }
      onSend={(text) => {
        onSend(text, file);
        setFile(null);
      }}
    />
  );
}

describe('Composer attachments', () => {
  it('attaches a picked file and sends it with the text as its caption', async () => {
    const onSend = vi.fn();
    renderWithProviders(<StagedComposer onSend={onSend} />);
    await userEvent.upload(screen.getByTestId('attach-input'), pdf());

    expect(screen.getByTestId('attachment-preview')).toHaveTextContent('fatura.pdf');
    expect(screen.getByTestId('attachment-preview')).toHaveTextContent('8 B');
    const box = screen.getByRole('textbox', { name: 'Message' });
    expect(box).toHaveAttribute('placeholder', expect.stringContaining('Caption'));
    await userEvent.type(box, 'Sua fatura{Enter}');

    expect(onSend).toHaveBeenCalledOnce();
    expect(onSend.mock.calls[0]?.[0]).toBe('Sua fatura');
    expect((onSend.mock.calls[0]?.[1] as File).name).toBe('fatura.pdf');
    expect(screen.queryByTestId('attachment-preview')).not.toBeInTheDocument();
  });

  it('sends an attachment without any text', async () => {
    const onSend = vi.fn();
    renderWithProviders(<StagedComposer onSend={onSend} />);
    const send = screen.getByRole('button', { name: 'Send message' });
    expect(send).toBeDisabled();
    await userEvent.upload(screen.getByTestId('attach-input'), pdf());
    expect(send).toBeEnabled();
    await userEvent.click(send);
    expect(onSend).toHaveBeenCalledWith('', expect.any(File));
  });

  it('removes an attachment', async () => {
    renderWithProviders(<StagedComposer onSend={vi.fn()} />);
    await userEvent.upload(screen.getByTestId('attach-input'), pdf());
    await userEvent.click(screen.getByRole('button', { name: 'Remove attachment' }));
    expect(screen.queryByTestId('attachment-preview')).not.toBeInTheDocument();
  });

  it('attaches a pasted image', () => {
    const onAttach = vi.fn();
    renderWithProviders(<Composer blocked={null} onSend={vi.fn()} onAttach={onAttach} />);
    const image = new File(['png'], 'colado.png', { type: 'image/png' });
    const box = screen.getByRole('textbox', { name: 'Message' });
    const paste = createEvent.paste(box, { clipboardData: { files: [image], types: ['Files'] } });
    fireEvent(box, paste);
    expect(onAttach).toHaveBeenCalledWith(image);
    expect(paste.defaultPrevented).toBe(true);
  });

  it('pastes text as text', async () => {
    const onAttach = vi.fn();
    renderWithProviders(<Composer blocked={null} onSend={vi.fn()} onAttach={onAttach} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    box.focus();
    await userEvent.paste('olá');
    expect(onAttach).not.toHaveBeenCalled();
    expect(box).toHaveValue('olá');
  });

  it('attaches a file dropped on the composer', () => {
    const onAttach = vi.fn();
    renderWithProviders(<Composer blocked={null} onSend={vi.fn()} onAttach={onAttach} />);
    const form = screen.getByRole('textbox', { name: 'Message' }).closest('form');
    expect(form).not.toBeNull();
    const file = pdf();
    const dataTransfer = { files: [file], types: ['Files'] };
    fireEvent.dragOver(form as HTMLFormElement, { dataTransfer });
    expect(screen.getByRole('status')).toHaveTextContent('Drop the file to attach it');
    fireEvent.drop(form as HTMLFormElement, { dataTransfer });
    expect(onAttach).toHaveBeenCalledWith(file);
  });

  it('attaches nothing while replies are blocked', () => {
    const onAttach = vi.fn();
    renderWithProviders(<Composer blocked="window-closed" onSend={vi.fn()} onAttach={onAttach} />);
    expect(screen.getByRole('button', { name: 'Attach a file' })).toBeDisabled();
    const form = screen.getByRole('textbox', { name: 'Message' }).closest('form');
    fireEvent.drop(form as HTMLFormElement, { dataTransfer: { files: [pdf()], types: ['Files'] } });
    expect(onAttach).not.toHaveBeenCalled();
  });

  it('shows the upload progress with a way to cancel', async () => {
    const onCancel = vi.fn();
    renderWithProviders(<AttachmentPreview file={pdf()} progress={0.42} onCancel={onCancel} />);
    const bar = screen.getByRole('progressbar', { name: 'Uploading fatura.pdf…' });
    expect(bar).toHaveAttribute('aria-valuenow', '42');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload' }));
    expect(onCancel).toHaveBeenCalledOnce();
  });
});
