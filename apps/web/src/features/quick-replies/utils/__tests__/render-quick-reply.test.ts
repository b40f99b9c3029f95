import { describe, expect, it } from 'vitest';

import { makeConversation } from '@/testing/data';

import { contactDisplayName, quickReplyValues, renderQuickReply } from '../render-quick-reply';

// The same cases as the server's tests (apps/api/tests/quick_replies/test_render.py).
const values = { 'contact.name': 'Maria', 'agent.name': 'Bia', 'number.label': 'Loja Centro' };

describe('renderQuickReply', () => {
  it.each([
    ['Olá {{contact.name}}!', 'Olá Maria!'],
    [
      '{{ contact.name }}, aqui é {{\tagent.name}} da {{number.label}}',
      'Maria, aqui é Bia da Loja Centro',
    ],
    ['{{contact.name}}{{contact.name}}', 'MariaMaria'],
    ['Sem variáveis', 'Sem variáveis'],
    [
      '{{contact.email}} {{ Contact.Name }} {{contact.name',
      '{{contact.email}} {{ Contact.Name }} {{contact.name',
    ],
    ['{contact.name} {{{contact.name}}}', '{contact.name} {Maria}'],
    ['{{\ncontact.name}}', '{{\ncontact.name}}'],
    ['{{toString}} {{constructor}}', '{{toString}} {{constructor}}'],
  ])('renders %j as %j', (text, expected) => {
    expect(renderQuickReply(text, values)).toBe(expected);
  });

  it('never expands a value', () => {
    expect(renderQuickReply('Oi {{contact.name}}', { 'contact.name': '{{agent.name}}' })).toBe(
      'Oi {{agent.name}}',
    );
  });

  it('keeps a variable that has no value', () => {
    expect(renderQuickReply('Oi {{contact.name}}', { ...values, 'contact.name': null })).toBe(
      'Oi {{contact.name}}',
    );
    expect(renderQuickReply('Oi {{contact.name}}', { ...values, 'contact.name': '' })).toBe(
      'Oi {{contact.name}}',
    );
  });
});

describe('quickReplyValues', () => {
  it('takes the contact, the agent and the number from the conversation', () => {
    const conversation = makeConversation();
    expect(quickReplyValues(conversation, 'Ana Agent')).toEqual({
      'contact.name': 'Maria Silva',
      'agent.name': 'Ana Agent',
      'number.label': 'Loja',
    });
  });

  it('falls back to the phone digits when the contact has no name', () => {
    const contact = { id: 'c1', name: '  ', wa_id: '5511987654321', user_id: null };
    expect(contactDisplayName(contact)).toBe('5511987654321');
    expect(contactDisplayName({ ...contact, name: null, wa_id: null, user_id: 'BR.1' })).toBeNull();
  });
});
