"""Errors of the templates module (rendered as api.md's error body)."""

from atende.core.exceptions import InvalidInput


class TemplateNotApproved(InvalidInput):
    """No template of that name and language is approved for the number's WABA (Meta: 132001)."""

    code = "template_not_approved"


class TemplateParametersMismatch(InvalidInput):
    """The parameters do not fit the template's placeholders (Meta: 132000, 132012)."""

    code = "template_parameters_mismatch"


class NumberWithoutWaba(InvalidInput):
    code = "number_without_waba"
