import { describe, expect, it } from 'vitest';

import { ApiError } from '@/lib/api-client';
import { errorMessageKey } from '@/lib/errors';

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

  it('uses the generic message for anything that is not an ApiError', () => {
    expect(errorMessageKey(new Error('boom'))).toBe('errors.generic');
  });
});
