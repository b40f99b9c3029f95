import type { MessageKey } from './i18n/messages';
import { isApiError } from './api-client';

const byCode: Partial<Record<string, MessageKey>> = {
  network_error: 'errors.network_error',
  unauthorized: 'errors.unauthorized',
  forbidden: 'errors.forbidden',
  permission_denied: 'errors.forbidden',
  not_found: 'errors.not_found',
  conflict: 'errors.conflict',
  validation_error: 'errors.validation_error',
  invalid_input: 'errors.validation_error',
  throttled: 'errors.throttled',
  too_many_requests: 'errors.throttled',
  // conversations and messages
  outside_customer_service_window: 'errors.outside_customer_service_window',
  conversation_already_assigned: 'errors.conversation_already_assigned',
  conversation_changed: 'errors.conversation_changed',
  conversation_already_resolved: 'errors.conversation_already_resolved',
  conversation_already_open: 'errors.conversation_already_open',
  open_conversation_exists: 'errors.open_conversation_exists',
  assignee_inactive: 'errors.assignee_inactive',
  assignee_not_in_team: 'errors.assignee_not_in_team',
  assignee_not_found: 'errors.assignee_not_found',
  team_not_found: 'errors.team_not_found',
  transfer_forbidden: 'errors.transfer_forbidden',
  transfer_unchanged: 'errors.transfer_unchanged',
  transfer_target_required: 'transfer.needTarget',
  assignment_target_required: 'transfer.needTarget',
  assignment_forbidden: 'errors.assignment_forbidden',
  status_change_forbidden: 'errors.status_change_forbidden',
  view_forbidden: 'errors.view_forbidden',
  number_inactive: 'errors.number_inactive',
  // media
  unsupported_media: 'errors.unsupported_media',
  media_too_large: 'errors.media_too_large',
  upload_not_found: 'errors.upload_not_found',
  // templates
  template_not_approved: 'errors.template_not_approved',
  template_parameters_mismatch: 'errors.template_parameters_mismatch',
  number_without_waba: 'errors.number_without_waba',
  // administration
  email_taken: 'errors.email_taken',
  weak_password: 'errors.weak_password',
  cannot_deactivate_self: 'errors.cannot_deactivate_self',
  cannot_demote_self: 'errors.cannot_demote_self',
  team_name_taken: 'errors.team_name_taken',
  team_in_use: 'errors.team_in_use',
  phone_number_id_taken: 'errors.phone_number_id_taken',
  contact_exists: 'errors.contact_exists',
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
