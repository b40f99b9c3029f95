import { describe, expect, it } from 'vitest';

import type { MessageTemplate } from '@/types/api';

import {
  buildTemplateSend,
  fieldProblem,
  fillText,
  isSupported,
  missingFields,
  placeholders,
  previewTemplate,
  templateFields,
} from '../fill-template';

// The simulator's templates (apps/api/src/atende/whatsapp/simulator_templates.py).
const orderShipped: MessageTemplate = {
  id: 'tpl-1',
  name: 'pedido_enviado',
  language: 'pt_BR',
  category: 'utility',
  status: 'approved',
  parameter_format: 'positional',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Pedido a caminho' },
    {
      type: 'BODY',
      text: 'Olá {{1}}, seu pedido {{2}} foi enviado e chega em até 3 dias úteis.',
      example: { body_text: [['Maria', '#4412']] },
    },
    { type: 'FOOTER', text: 'Loja Exemplo' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Falar com atendente' },
        { type: 'URL', text: 'Rastrear pedido', url: 'https://loja.example.com/rastreio/{{1}}' },
      ],
    },
  ],
};

const promo: MessageTemplate = {
  id: 'tpl-2',
  name: 'novidades_semana',
  language: 'pt_BR',
  category: 'marketing',
  status: 'approved',
  parameter_format: 'positional',
  components: [
    { type: 'HEADER', format: 'IMAGE' },
    { type: 'BODY', text: 'Oi {{1}}! Chegaram as novidades da semana.' },
  ],
};

const reminder: MessageTemplate = {
  id: 'tpl-3',
  name: 'lembrete_agendamento',
  language: 'pt_BR',
  category: 'utility',
  status: 'approved',
  parameter_format: 'named',
  components: [
    {
      type: 'BODY',
      text: 'Olá {{nome}}, lembramos do seu horário em {{data}} às {{hora}}.',
      example: {
        body_text_named_params: [
          { param_name: 'nome', example: 'Maria' },
          { param_name: 'data', example: '12/03' },
        ],
      },
    },
  ],
};

describe('placeholders', () => {
  it('lists positional placeholders once, in number order', () => {
    expect(placeholders('{{2}} e {{1}} e {{2}} e {{10}}')).toEqual(['1', '2', '10']);
  });

  it('keeps named placeholders in reading order, spaces allowed inside the braces', () => {
    expect(placeholders('Olá {{ nome }}, {{data}}')).toEqual(['nome', 'data']);
  });

  it('has none for empty text', () => {
    expect(placeholders(undefined)).toEqual([]);
    expect(placeholders('Sem variáveis')).toEqual([]);
  });
});

describe('fillText', () => {
  it('fills what has a value and keeps the rest visible', () => {
    expect(fillText('Olá {{1}}, pedido {{2}}', { '1': 'Dana', '2': '  ' })).toBe(
      'Olá Dana, pedido {{2}}',
    );
  });

  it('never expands a value and ignores inherited names', () => {
    expect(fillText('{{1}} {{constructor}}', { '1': '{{2}}', '2': 'x' })).toBe(
      '{{2}} {{constructor}}',
    );
  });
});

describe('templateFields', () => {
  it('asks for the body parameters and the URL button, with Meta’s examples', () => {
    expect(templateFields(orderShipped)).toEqual([
      { key: 'body:1', component: 'body', name: '1', kind: 'text', example: 'Maria' },
      { key: 'body:2', component: 'body', name: '2', kind: 'text', example: '#4412' },
      { key: 'button:1', component: 'button', name: '1', kind: 'text', buttonIndex: 1 },
    ]);
  });

  it('asks for a link for a media header', () => {
    expect(templateFields(promo).map((f) => [f.key, f.kind])).toEqual([
      ['header:media', 'image'],
      ['body:1', 'text'],
    ]);
  });

  it('names the fields of a named template', () => {
    expect(templateFields(reminder).map((f) => [f.key, f.example])).toEqual([
      ['body:nome', 'Maria'],
      ['body:data', '12/03'],
      ['body:hora', undefined],
    ]);
  });
});

describe('previewTemplate', () => {
  it('shows the template as the customer reads it, filled so far', () => {
    expect(previewTemplate(orderShipped, { 'body:1': 'Dana' })).toEqual({
      header: { kind: 'text', text: 'Pedido a caminho' },
      body: 'Olá Dana, seu pedido {{2}} foi enviado e chega em até 3 dias úteis.',
      footer: 'Loja Exemplo',
      buttons: ['Falar com atendente', 'Rastrear pedido'],
    });
  });

  it('shows the media link of the header', () => {
    const preview = previewTemplate(promo, {
      'header:media': ' https://cdn.example.com/p.jpg ',
      'body:1': 'Dana',
    });
    expect(preview.header).toEqual({ kind: 'image', link: 'https://cdn.example.com/p.jpg' });
    expect(preview.body).toBe('Oi Dana! Chegaram as novidades da semana.');
  });

  it('fills named placeholders by name', () => {
    const preview = previewTemplate(reminder, {
      'body:hora': '14h',
      'body:nome': 'Dana',
      'body:data': '12/03',
    });
    expect(preview.body).toBe('Olá Dana, lembramos do seu horário em 12/03 às 14h.');
  });
});

describe('missingFields / fieldProblem', () => {
  it('lists blank fields until every one is filled', () => {
    expect(missingFields(orderShipped, {}).map((f) => f.key)).toEqual([
      'body:1',
      'body:2',
      'button:1',
    ]);
    expect(
      missingFields(orderShipped, { 'body:1': 'Dana', 'body:2': '#1', 'button:1': '4412' }),
    ).toEqual([]);
  });

  it('refuses what Meta refuses: line breaks, tabs, five spaces; links that are not http(s)', () => {
    const [text] = templateFields(orderShipped);
    const [media] = templateFields(promo);
    if (!text || !media) throw new Error('fields expected');
    expect(fieldProblem(text, 'Dana\nSilva')).toBe('format');
    expect(fieldProblem(text, 'a\tb')).toBe('format');
    expect(fieldProblem(text, 'a     b')).toBe('format');
    expect(fieldProblem(text, 'a    b')).toBeNull();
    expect(fieldProblem(text, '   ')).toBe('empty');
    expect(fieldProblem(media, 'ftp://x/p.jpg')).toBe('format');
    expect(fieldProblem(media, 'https://cdn.example.com/p.jpg')).toBeNull();
  });
});

describe('buildTemplateSend', () => {
  it('builds Meta’s send shape for positional parameters and URL buttons', () => {
    expect(
      buildTemplateSend(orderShipped, {
        'body:1': ' Dana ',
        'body:2': '#4412',
        'button:1': '4412',
      }),
    ).toEqual({
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
        {
          type: 'button',
          sub_type: 'url',
          index: '1',
          parameters: [{ type: 'text', text: '4412' }],
        },
      ],
    });
  });

  it('names each parameter of a named template', () => {
    const send = buildTemplateSend(reminder, {
      'body:nome': 'Dana',
      'body:data': '12/03',
      'body:hora': '14h',
    });
    expect(send.components).toEqual([
      {
        type: 'body',
        parameters: [
          { type: 'text', parameter_name: 'nome', text: 'Dana' },
          { type: 'text', parameter_name: 'data', text: '12/03' },
          { type: 'text', parameter_name: 'hora', text: '14h' },
        ],
      },
    ]);
  });

  it('sends a media header by link', () => {
    const send = buildTemplateSend(promo, {
      'header:media': 'https://cdn.example.com/p.jpg',
      'body:1': 'Dana',
    });
    expect(send.components?.[0]).toEqual({
      type: 'header',
      parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/p.jpg' } }],
    });
  });

  it('sends no components for a template without variables', () => {
    const plain: MessageTemplate = {
      ...orderShipped,
      name: 'retomar_atendimento',
      components: [{ type: 'BODY', text: 'Podemos continuar o atendimento?' }],
    };
    expect(buildTemplateSend(plain, {})).toEqual({
      name: 'retomar_atendimento',
      language: { code: 'pt_BR' },
    });
  });
});

describe('isSupported', () => {
  it('leaves out templates whose values the form does not ask for', () => {
    expect(isSupported(orderShipped)).toBe(true);
    const otp: MessageTemplate = {
      ...orderShipped,
      components: [
        { type: 'BODY', text: '{{1}} é seu código.' },
        { type: 'BUTTONS', buttons: [{ type: 'OTP' }] },
      ],
    };
    expect(isSupported(otp)).toBe(false);
    const location: MessageTemplate = {
      ...orderShipped,
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Aqui' },
      ],
    };
    expect(isSupported(location)).toBe(false);
  });
});
