from atende.core.exceptions import InvalidInput


class InvalidTimeZone(InvalidInput):
    code = "invalid_timezone"


class InvalidRange(InvalidInput):
    code = "invalid_range"


class RangeTooLarge(InvalidInput):
    code = "range_too_large"
