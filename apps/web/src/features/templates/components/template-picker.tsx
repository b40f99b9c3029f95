import * as React from 'react';
import { useQuery } from '@tanstack/react-query';
import { FileTextIcon, ImageIcon, SendHorizontalIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Skeleton } from '@/components/ui/skeleton';
import { errorMessageKey } from '@/lib/errors';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import { cn } from '@/lib/utils';
import type { MessageTemplate, TemplateSend } from '@/types/api';

import { approvedTemplatesQueryOptions } from '../api/get-templates';
import {
  buildTemplateSend,
  fieldProblem,
  isSupported,
  missingFields,
  previewTemplate,
  templateFields,
  type TemplateField,
  type TemplatePreview,
  type TemplateValues,
} from '../utils/fill-template';

export type SendTemplate = (template: TemplateSend) => Promise<unknown>;

/**
 * The way to write when the 24-hour window is closed: a button that opens the picker of
 * the number's approved templates.
 */
export function TemplateSendButton({
  numberId,
  onSend,
}: {
  numberId: string;
  onSend: SendTemplate;
}) {
  const { t } = useI18n();
  const [open, setOpen] = React.useState(false);
  return (
    <>
      <Button type="button" size="sm" onClick={() => setOpen(true)}>
        <FileTextIcon aria-hidden="true" />
        {t('templates.send')}
      </Button>
      {open ? (
        <TemplatePickerDialog numberId={numberId} onSend={onSend} onClose={() => setOpen(false)} />
      ) : null}
    </>
  );
}

function fieldLabel(t: ReturnType<typeof useI18n>['t'], field: TemplateField) {
  if (field.kind !== 'text') return t(`templates.field.${field.kind}`);
  if (field.component === 'button') {
    return t('templates.field.button', { index: String((field.buttonIndex ?? 0) + 1) });
  }
  return t(`templates.field.${field.component}`, { name: `{{${field.name}}}` });
}

export function TemplatePickerDialog({
  numberId,
  onSend,
  onClose,
}: {
  numberId: string;
  onSend: SendTemplate;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const query = useQuery(approvedTemplatesQueryOptions(numberId));
  const [search, setSearch] = React.useState('');
  const [selectedId, setSelectedId] = React.useState<string | null>(null);
  const [values, setValues] = React.useState<TemplateValues>({});
  const [touched, setTouched] = React.useState(false);
  const [sending, setSending] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const formId = React.useId();

  const templates = (query.data?.items ?? []).filter(isSupported);
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? templates.filter((tpl) => tpl.name.toLowerCase().includes(needle))
    : templates;
  const template = templates.find((tpl) => tpl.id === selectedId) ?? null;
  const fields = template ? templateFields(template) : [];
  const missing = template ? missingFields(template, values) : [];

  const choose = (next: MessageTemplate) => {
    setSelectedId(next.id);
    setValues({});
    setTouched(false);
    setError(null);
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!template || missing.length > 0 || sending) return;
    setSending(true);
    setError(null);
    try {
      await onSend(buildTemplateSend(template, values));
      toast({ title: t('templates.sent'), variant: 'success' });
      onClose();
    } catch (e) {
      setError(t(errorMessageKey(e)));
    } finally {
      setSending(false);
    }
  };

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent closeLabel={t('common.close')} className="sm:max-w-2xl">
        <form id={formId} onSubmit={submit} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>{t('templates.title')}</DialogTitle>
            <DialogDescription>{t('templates.description')}</DialogDescription>
          </DialogHeader>

          {query.isPending ? (
            <div className="grid gap-2">
              <Skeleton className="h-9 w-full" />
              <Skeleton className="h-24 w-full" />
            </div>
          ) : query.isError ? (
            <p role="alert" className="text-sm text-destructive">
              {t(errorMessageKey(query.error))}
            </p>
          ) : templates.length === 0 ? (
            <p className="rounded-md bg-muted px-3 py-2 text-sm text-muted-foreground">
              {t('templates.empty')}
            </p>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="grid content-start gap-3">
                <Input
                  type="search"
                  value={search}
                  onChange={(e) => setSearch(e.target.value)}
                  placeholder={t('templates.search')}
                  aria-label={t('templates.search')}
                />
                <div
                  role="listbox"
                  aria-label={t('templates.list')}
                  className="max-h-56 overflow-y-auto rounded-md border"
                >
                  {shown.length === 0 ? (
                    <p className="px-3 py-2 text-sm text-muted-foreground">
                      {t('templates.noResults')}
                    </p>
                  ) : (
                    shown.map((tpl) => (
                      <button
                        key={tpl.id}
                        type="button"
                        role="option"
                        aria-selected={tpl.id === selectedId}
                        onClick={() => choose(tpl)}
                        className={cn(
                          'flex w-full flex-col items-start gap-0.5 border-b px-3 py-2 text-left text-sm last:border-b-0 hover:bg-accent focus-visible:bg-accent focus-visible:outline-none',
                          tpl.id === selectedId && 'bg-accent',
                        )}
                      >
                        <span className="font-medium break-all">{tpl.name}</span>
                        <span className="text-xs text-muted-foreground">
                          {tpl.language}
                          {tpl.category ? ` · ${tpl.category}` : ''}
                        </span>
                      </button>
                    ))
                  )}
                </div>
                {template ? (
                  <fieldset className="grid gap-3">
                    <legend className="mb-1 text-sm font-medium">
                      {t('templates.parameters')}
                    </legend>
                    {fields.length === 0 ? (
                      <p className="text-sm text-muted-foreground">{t('templates.noParameters')}</p>
                    ) : (
                      fields.map((field) => (
                        <ParameterInput
                          key={`${template.id}:${field.key}`}
                          field={field}
                          label={fieldLabel(t, field)}
                          value={values[field.key] ?? ''}
                          showProblem={touched}
                          onChange={(value) => setValues((v) => ({ ...v, [field.key]: value }))}
                        />
                      ))
                    )}
                  </fieldset>
                ) : null}
              </div>
              <div className="grid content-start gap-2">
                <p className="text-sm font-medium">{t('templates.preview')}</p>
                {template ? (
                  <TemplatePreviewCard preview={previewTemplate(template, values)} />
                ) : (
                  <p className="rounded-md bg-muted px-3 py-2 text-sm text-muted-foreground">
                    {t('templates.choose')}
                  </p>
                )}
              </div>
            </div>
          )}

          {error ? (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          ) : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button
              type="submit"
              disabled={!template || sending || (touched && missing.length > 0)}
            >
              <SendHorizontalIcon aria-hidden="true" />
              {t('templates.submit')}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function ParameterInput({
  field,
  label,
  value,
  showProblem,
  onChange,
}: {
  field: TemplateField;
  label: string;
  value: string;
  showProblem: boolean;
  onChange: (value: string) => void;
}) {
  const { t } = useI18n();
  const id = React.useId();
  const hintId = React.useId();
  const problem = fieldProblem(field, value);
  // A blank field is pointed out only after a send attempt; a malformed one at once.
  const visible = problem === 'format' || (showProblem && problem !== null);
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Input
        id={id}
        type={field.kind === 'text' ? 'text' : 'url'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={field.kind === 'text' ? field.example : 'https://'}
        maxLength={field.kind === 'text' ? 1024 : 2048}
        autoComplete="off"
        aria-invalid={visible ? true : undefined}
        aria-describedby={visible ? hintId : undefined}
        required
      />
      {visible ? (
        <p id={hintId} className="text-xs text-destructive">
          {field.kind === 'text' ? t('templates.textFormat') : t('templates.linkFormat')}
        </p>
      ) : null}
    </div>
  );
}

export function TemplatePreviewCard({ preview }: { preview: TemplatePreview }) {
  const { t } = useI18n();
  return (
    <div
      data-testid="template-preview"
      className="grid gap-1.5 rounded-lg rounded-tr-none bg-bubble-outbound p-3 text-sm text-bubble-outbound-foreground shadow-xs"
    >
      {preview.header?.kind === 'text' ? (
        <p className="font-semibold break-words">{preview.header.text}</p>
      ) : preview.header ? (
        <p className="flex items-center gap-2 rounded-md bg-background/60 px-2 py-3 text-xs text-muted-foreground">
          <ImageIcon className="size-4 shrink-0" aria-hidden="true" />
          <span className="break-all">
            {preview.header.link || t('templates.media', { kind: preview.header.kind })}
          </span>
        </p>
      ) : null}
      <p className="break-words whitespace-pre-wrap">{preview.body}</p>
      {preview.footer ? (
        <p className="text-xs break-words text-muted-foreground">{preview.footer}</p>
      ) : null}
      {preview.buttons.length > 0 ? (
        <ul className="mt-1 grid gap-1 border-t pt-2">
          {preview.buttons.map((label, i) => (
            <li key={`${i}-${label}`} className="text-center text-xs font-medium text-primary">
              {label}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
