# A shortcut is what follows "/" in the composer: short, lowercase, no spaces.
SHORTCUT_PATTERN = r"^[a-z0-9_-]{1,32}$"
MAX_SHORTCUT_LENGTH = 32
# Meta's limit for a text message body (cloud-api.md §6.1): a reply must fit in one message.
MAX_TEXT_LENGTH = 4096
MAX_QUERY_LENGTH = 200
