from atende.core.exceptions import Conflict, InvalidInput, NotFound


class TeamNotFound(NotFound):
    code = "team_not_found"


class TeamNameTaken(Conflict):
    code = "team_name_taken"


class TeamInUse(Conflict):
    code = "team_in_use"


class UnknownTeam(InvalidInput):
    code = "unknown_team"


class UnknownUser(InvalidInput):
    code = "unknown_user"
