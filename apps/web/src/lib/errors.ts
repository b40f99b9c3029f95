import type { MessageKey } from './i18n/messages';
import { isApiError } from './api-client';

const byCode: Partial<Record<string, MessageKey>> = {
  network_error: 'errors.network_error',
  outside_customer_service_window: 'errors.outside_customer_service_window',
  conversation_already_assigned: 'errors.conversation_already_assigned',
  unauthorized: 'errors.unauthorized',
  forbidden: 'errors.forbidden',
  permission_denied: 'errors.forbidden',
  not_found: 'errors.not_found',
  conflict: 'errors.conflict',
  validation_error: 'errors.validation_error',
  throttled: 'errors.throttled',
  too_many_requests: 'errors.throttled',
};

const byStatus: Partial<Record<number, MessageKey>> = {
  401: 'errors.unauthorized',
  403: 'errors.forbidden',
  404: 'errors.not_found',
  409: 'errors.conflict',
  422: 'errors.validation_error',
  429: 'errors.throttled',
};

/** The dictionary key for an error: by `error.code` first, then by HTTP status; never by text. */
export function errorMessageKey(error: unknown): MessageKey {
  if (!isApiError(error)) return 'errors.generic';
  const fromCode = byCode[error.code];
  if (fromCode) return fromCode;
  if (error.code.endsWith('_not_found')) return 'errors.not_found';
  const fromStatus = byStatus[error.status];
  if (fromStatus) return fromStatus;
  if (error.status >= 500) return 'errors.server_error';
  return 'errors.generic';
}
