from enum import StrEnum


class ConversationView(StrEnum):
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    ALL = "all"


# Longest free-text reason kept on a transfer.
MAX_REASON_LENGTH = 1000
# Longest inbox search text.
MAX_QUERY_LENGTH = 100
