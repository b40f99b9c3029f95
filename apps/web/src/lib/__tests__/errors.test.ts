import { describe, expect, it } from 'vitest';

import { ApiError } from '@/lib/api-client';
import { errorMessageKey } from '@/lib/errors';
import { dictionaries } from '@/lib/i18n/messages';

describe('errorMessageKey', () => {
  it('chooses the message by error code, not by message text', () => {
    const error = new ApiError(422, 'outside_customer_service_window', 'anything at all');
    expect(errorMessageKey(error)).toBe('errors.outside_customer_service_window');
  });

  it('maps *_not_found codes and falls back to the HTTP status', () => {
    expect(errorMessageKey(new ApiError(404, 'conversation_not_found', ''))).toBe(
      'errors.not_found',
    );
    expect(errorMessageKey(new ApiError(403, 'role_forbidden_xyz', ''))).toBe('errors.forbidden');
    expect(errorMessageKey(new ApiError(503, 'unavailable', ''))).toBe('errors.server_error');
  });

  it('gives the assignment and transfer rules their own messages in both languages', () => {
    const cases: [number, string][] = [
      [409, 'conversation_already_assigned'],
      [422, 'assignee_inactive'],
      [422, 'assignee_not_in_team'],
      [403, 'transfer_forbidden'],
      [403, 'assignment_forbidden'],
      [409, 'open_conversation_exists'],
      [403, 'view_forbidden'],
    ];
    for (const [status, code] of cases) {
      const key = errorMessageKey(new ApiError(status, code, ''));
      expect(key).toBe(`errors.${code}`);
      expect(dictionaries['pt-BR'][key]).not.toBe(dictionaries['pt-BR']['errors.forbidden']);
      expect(dictionaries.en[key]).toBeTruthy();
    }
    expect(errorMessageKey(new ApiError(422, 'transfer_target_required', ''))).toBe(
      'transfer.needTarget',
    );
  });

  it('uses the generic message for anything that is not an ApiError', () => {
    expect(errorMessageKey(new Error('boom'))).toBe('errors.generic');
  });
});
