import { describe, expect, it } from 'vitest';

import { can } from '@/lib/authorization';
import { makeConversation, makeMe } from '@/testing/data';

describe('UI policies', () => {
  const agent = makeMe({ role: 'AGENT' });
  const supervisor = makeMe({ id: 'sup', role: 'SUPERVISOR' });
  const admin = makeMe({ id: 'adm', role: 'ADMIN' });

  it('shows the "all" view and the dashboard only to ADMIN and SUPERVISOR', () => {
    expect(can(agent, 'conversations:view-all')).toBe(false);
    expect(can(supervisor, 'conversations:view-all')).toBe(true);
    expect(can(agent, 'dashboard:view')).toBe(false);
    expect(can(admin, 'dashboard:view')).toBe(true);
  });

  it('lets SUPERVISOR read users but only ADMIN write settings', () => {
    expect(can(supervisor, 'users:read')).toBe(true);
    expect(can(supervisor, 'users:write')).toBe(false);
    expect(can(agent, 'users:read')).toBe(false);
    expect(can(admin, 'numbers:write')).toBe(true);
    expect(can(supervisor, 'teams:write')).toBe(false);
  });

  it('lets an agent take unassigned conversations and transfer only their own', () => {
    const unassigned = makeConversation({ assignee: null });
    const mine = makeConversation({ assignee: { id: agent.id, name: agent.name } });
    const others = makeConversation({ assignee: { id: 'x', name: 'X' } });
    expect(can(agent, 'conversations:take', unassigned)).toBe(true);
    expect(can(agent, 'conversations:take', mine)).toBe(false);
    expect(can(agent, 'conversations:take', others)).toBe(false);
    expect(can(supervisor, 'conversations:take', others)).toBe(true);
    expect(can(agent, 'conversations:transfer', mine)).toBe(true);
    expect(can(agent, 'conversations:transfer', others)).toBe(false);
  });

  it("mirrors the server's visibility: own, my teams', teamless; staff see everything", () => {
    const otherTeam = { id: 'team-billing', name: 'Financeiro' };
    expect(can(agent, 'conversations:see', makeConversation())).toBe(true);
    expect(can(agent, 'conversations:see', makeConversation({ team: null }))).toBe(true);
    expect(can(agent, 'conversations:see', makeConversation({ team: otherTeam }))).toBe(false);
    expect(
      can(
        agent,
        'conversations:see',
        makeConversation({ team: otherTeam, assignee: { id: agent.id, name: agent.name } }),
      ),
    ).toBe(true);
    expect(can(supervisor, 'conversations:see', makeConversation({ team: otherTeam }))).toBe(true);
  });

  it('allows nothing without a user', () => {
    expect(can(undefined, 'conversations:view-all')).toBe(false);
  });
});
