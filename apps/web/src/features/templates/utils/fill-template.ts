import type {
  MessageTemplate,
  TemplateDefinitionComponent,
  TemplateSend,
  TemplateSendComponent,
  TemplateSendParameter,
} from '@/types/api';

// The same placeholder rules as the server (apps/api/src/atende/templates/rendering.py).
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
// Meta refuses parameters with a new line, a tab or more than 4 spaces in a row.
const BAD_TEXT = /[\n\t]| {5,}/;
const MEDIA_FORMATS = ['IMAGE', 'VIDEO', 'DOCUMENT'] as const;

export type MediaKind = 'image' | 'video' | 'document';

/** One input the agent fills before sending. */
export interface TemplateField {
  /** Unique within the template: `header:1`, `body:first_name`, `button:1`. */
  key: string;
  component: 'header' | 'body' | 'button';
  /** The placeholder's name: `1`, `2`… or `first_name`. */
  name: string;
  kind: 'text' | MediaKind;
  /** The button's position (URL buttons with a placeholder). */
  buttonIndex?: number;
  /** Meta's example value, shown as the input's placeholder. */
  example?: string;
}

export type TemplateValues = Record<string, string>;

export interface TemplatePreview {
  header: { kind: 'text'; text: string } | { kind: MediaKind; link: string } | null;
  body: string;
  footer: string | null;
  buttons: string[];
}

/** The distinct placeholders of a text; positional ones in number order. */
export function placeholders(text: string | undefined | null): string[] {
  const found = [...new Set([...(text ?? '').matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
  if (found.length > 0 && found.every((name) => /^\d+$/.test(name))) {
    return found.sort((a, b) => Number(a) - Number(b));
  }
  return found;
}

/** Replaces each placeholder that has a non-blank value; the others stay as `{{name}}`. */
export function fillText(text: string, values: Record<string, string | undefined>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    return value !== undefined && value.trim() !== '' ? value : whole;
  });
}

function component(template: MessageTemplate, type: string) {
  return template.components.find((c) => c.type.toUpperCase() === type);
}

function isNamed(template: MessageTemplate): boolean {
  if (template.parameter_format) return template.parameter_format.toLowerCase() === 'named';
  return template.components.some((c) => placeholders(c.text).some((n) => !/^\d+$/.test(n)));
}

function mediaKind(header: TemplateDefinitionComponent | undefined): MediaKind | null {
  const format = (header?.format ?? 'TEXT').toUpperCase();
  return (MEDIA_FORMATS as readonly string[]).includes(format)
    ? (format.toLowerCase() as MediaKind)
    : null;
}

function examples(definition: TemplateDefinitionComponent | undefined, prefix: 'header' | 'body') {
  const example = definition?.example;
  const byName: Record<string, string> = {};
  if (!example || typeof example !== 'object') return byName;
  const record = example as Record<string, unknown>;
  const positional = record[`${prefix}_text`];
  const row: unknown = prefix === 'body' && Array.isArray(positional) ? positional[0] : positional;
  if (Array.isArray(row)) {
    row.forEach((value, i) => {
      if (typeof value === 'string') byName[String(i + 1)] = value;
    });
  }
  const named = record[`${prefix}_text_named_params`];
  if (Array.isArray(named)) {
    for (const item of named) {
      if (item && typeof item === 'object') {
        const { param_name: name, example: value } = item as Record<string, unknown>;
        if (typeof name === 'string' && typeof value === 'string') byName[name] = value;
      }
    }
  }
  return byName;
}

/**
 * Whether the picker can fill this template. Location headers, one-time-password and
 * copy-code buttons need values this form does not ask for.
 */
export function isSupported(template: MessageTemplate): boolean {
  const header = component(template, 'HEADER');
  if ((header?.format ?? '').toUpperCase() === 'LOCATION') return false;
  const buttons = component(template, 'BUTTONS')?.buttons ?? [];
  return !buttons.some((b) => ['OTP', 'COPY_CODE', 'FLOW'].includes(b.type.toUpperCase()));
}

/** The inputs a template needs, in the order the customer reads them. */
export function templateFields(template: MessageTemplate): TemplateField[] {
  const fields: TemplateField[] = [];
  const header = component(template, 'HEADER');
  const media = mediaKind(header);
  if (header && media) {
    fields.push({ key: 'header:media', component: 'header', name: media, kind: media });
  } else if (header) {
    const found = examples(header, 'header');
    for (const name of placeholders(header.text)) {
      fields.push({
        key: `header:${name}`,
        component: 'header',
        name,
        kind: 'text',
        example: found[name],
      });
    }
  }
  const body = component(template, 'BODY');
  const bodyExamples = examples(body, 'body');
  for (const name of placeholders(body?.text)) {
    fields.push({
      key: `body:${name}`,
      component: 'body',
      name,
      kind: 'text',
      example: bodyExamples[name],
    });
  }
  (component(template, 'BUTTONS')?.buttons ?? []).forEach((button, index) => {
    if (button.type.toUpperCase() !== 'URL') return;
    for (const name of placeholders(button.url)) {
      fields.push({
        key: `button:${index}`,
        component: 'button',
        name,
        kind: 'text',
        buttonIndex: index,
      });
    }
  });
  return fields;
}

function valuesOf(fields: TemplateField[], values: TemplateValues, part: 'header' | 'body') {
  const out: Record<string, string> = {};
  for (const field of fields) {
    if (field.component === part && field.kind === 'text')
      out[field.name] = values[field.key] ?? '';
  }
  return out;
}

/** What the customer will read, with the values filled in so far. */
export function previewTemplate(
  template: MessageTemplate,
  values: TemplateValues,
): TemplatePreview {
  const fields = templateFields(template);
  const header = component(template, 'HEADER');
  const media = mediaKind(header);
  let headerPreview: TemplatePreview['header'] = null;
  if (header && media) {
    headerPreview = { kind: media, link: (values['header:media'] ?? '').trim() };
  } else if (header?.text) {
    headerPreview = {
      kind: 'text',
      text: fillText(header.text, valuesOf(fields, values, 'header')),
    };
  }
  const body = component(template, 'BODY')?.text ?? '';
  const footer = component(template, 'FOOTER')?.text ?? null;
  const buttons = (component(template, 'BUTTONS')?.buttons ?? []).map((b) => b.text ?? '');
  return {
    header: headerPreview,
    body: fillText(body, valuesOf(fields, values, 'body')),
    footer,
    buttons: buttons.filter((text) => text !== ''),
  };
}

/** Why a value cannot be sent, or null when it can. */
export function fieldProblem(
  field: TemplateField,
  value: string | undefined,
): 'empty' | 'format' | null {
  const text = (value ?? '').trim();
  if (text === '') return 'empty';
  if (field.kind !== 'text') return /^https?:\/\/\S+$/i.test(text) ? null : 'format';
  return BAD_TEXT.test(text) ? 'format' : null;
}

/** The fields still blank or malformed: sending waits until none is left. */
export function missingFields(template: MessageTemplate, values: TemplateValues): TemplateField[] {
  return templateFields(template).filter(
    (field) => fieldProblem(field, values[field.key]) !== null,
  );
}

function textParameter(field: TemplateField, value: string, named: boolean): TemplateSendParameter {
  return named && field.component !== 'button'
    ? { type: 'text', parameter_name: field.name, text: value }
    : { type: 'text', text: value };
}

/** The `template` of the send, in Meta's shape (what `POST …/messages` takes). */
export function buildTemplateSend(template: MessageTemplate, values: TemplateValues): TemplateSend {
  const named = isNamed(template);
  const fields = templateFields(template);
  const value = (field: TemplateField) => (values[field.key] ?? '').trim();
  const components: TemplateSendComponent[] = [];

  const header = fields.filter((f) => f.component === 'header');
  if (header.length > 0) {
    components.push({
      type: 'header',
      parameters: header.map((field) =>
        field.kind === 'text'
          ? textParameter(field, value(field), named)
          : ({ type: field.kind, [field.kind]: { link: value(field) } } as TemplateSendParameter),
      ),
    });
  }
  const body = fields.filter((f) => f.component === 'body');
  if (body.length > 0) {
    components.push({
      type: 'body',
      parameters: body.map((field) => textParameter(field, value(field), named)),
    });
  }
  for (const field of fields.filter((f) => f.component === 'button')) {
    components.push({
      type: 'button',
      sub_type: 'url',
      index: String(field.buttonIndex ?? 0),
      parameters: [textParameter(field, value(field), false)],
    });
  }
  const send: TemplateSend = { name: template.name, language: { code: template.language } };
  if (components.length > 0) send.components = components;
  return send;
}
