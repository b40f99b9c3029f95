from atende.core.exceptions import Conflict, NotFound, PermissionDenied


class QuickReplyNotFound(NotFound):
    code = "quick_reply_not_found"


class QuickReplyShortcutTaken(Conflict):
    code = "quick_reply_shortcut_taken"


class QuickReplyForbidden(PermissionDenied):
    code = "quick_reply_forbidden"
