from atende.core.exceptions import Conflict, NotFound


class NumberNotFound(NotFound):
    code = "number_not_found"


class PhoneNumberIdTaken(Conflict):
    code = "phone_number_id_taken"
