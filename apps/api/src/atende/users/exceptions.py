from atende.core.exceptions import Conflict, InvalidInput, NotFound


class UserNotFound(NotFound):
    code = "user_not_found"


class EmailTaken(Conflict):
    code = "email_taken"


class WeakPassword(InvalidInput):
    code = "weak_password"


class CannotDeactivateSelf(InvalidInput):
    code = "cannot_deactivate_self"


class CannotDemoteSelf(InvalidInput):
    code = "cannot_demote_self"
