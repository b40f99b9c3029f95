"""Errors of the media module (rendered as api.md's error body)."""

from atende.core.exceptions import InvalidInput, NotFound, PayloadTooLarge


class UnsupportedMedia(InvalidInput):
    """The file's type (or size, for one kind) is not one Meta accepts (cloud-api.md §8)."""

    code = "unsupported_media"


class MediaTooLarge(PayloadTooLarge):
    code = "media_too_large"


class UploadNotFound(InvalidInput):
    code = "upload_not_found"


class MediaNotFound(NotFound):
    code = "not_found"


class LinkExpired(NotFound):
    """A signed media link past its time: the client reloads the message for a fresh one."""

    code = "link_expired"
