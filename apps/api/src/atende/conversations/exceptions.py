"""Errors of the conversations module (rendered as api.md's error body)."""

from atende.core.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


class ContactNotFound(NotFound):
    code = "contact_not_found"


class ViewForbidden(PermissionDenied):
    code = "view_forbidden"


class AssignmentForbidden(PermissionDenied):
    code = "assignment_forbidden"


class TransferForbidden(PermissionDenied):
    code = "transfer_forbidden"


class StatusChangeForbidden(PermissionDenied):
    code = "status_change_forbidden"


class ConversationAlreadyAssigned(Conflict):
    code = "conversation_already_assigned"


class ConversationChanged(Conflict):
    """The assignment changed between reading and writing it (a concurrent change won)."""

    code = "conversation_changed"


class ConversationAlreadyResolved(Conflict):
    code = "conversation_already_resolved"


class ConversationAlreadyOpen(Conflict):
    code = "conversation_already_open"


class OpenConversationExists(Conflict):
    code = "open_conversation_exists"


class AssignmentTargetRequired(InvalidInput):
    code = "assignment_target_required"


class TransferTargetRequired(InvalidInput):
    code = "transfer_target_required"


class TransferUnchanged(InvalidInput):
    code = "transfer_unchanged"


class AssigneeNotFound(InvalidInput):
    code = "assignee_not_found"


class AssigneeInactive(InvalidInput):
    code = "assignee_inactive"


class AssigneeNotInTeam(InvalidInput):
    code = "assignee_not_in_team"


class TeamNotFound(InvalidInput):
    code = "team_not_found"
