"""Errors of the messages module (rendered as api.md's error body)."""

from atende.core.exceptions import InvalidInput


class OutsideServiceWindow(InvalidInput):
    """Meta refuses free-form messages 24 h after the customer's last message (131047)."""

    code = "outside_customer_service_window"


class NumberInactive(InvalidInput):
    code = "number_inactive"


class InvalidReplyTarget(InvalidInput):
    code = "invalid_reply_target"


class InvalidMessageCursor(InvalidInput):
    code = "invalid_cursor"
