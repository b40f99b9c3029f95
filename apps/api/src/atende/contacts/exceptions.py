from atende.core.exceptions import Conflict, NotFound


class ContactNotFound(NotFound):
    code = "contact_not_found"


class ContactExists(Conflict):
    code = "contact_exists"
