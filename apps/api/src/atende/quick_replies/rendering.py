"""Fills a quick reply's `{{variables}}`. The web composer mirrors these rules exactly
(apps/web/src/features/quick-replies/utils/render-quick-reply.ts)."""

import re
from collections.abc import Mapping

from atende.contacts.models import Contact

CONTACT_NAME = "contact.name"
AGENT_NAME = "agent.name"
NUMBER_LABEL = "number.label"

# `{{name}}`, spaces or tabs allowed inside the braces. Only ASCII classes, so Python and
# JavaScript match the same text.
VARIABLE = re.compile(r"\{\{[ \t]*([A-Za-z0-9_.]+)[ \t]*\}\}")


def contact_display_name(contact: Contact) -> str | None:
    """The contact's name, or its phone digits when the name is unknown."""
    name = (contact.name or "").strip()
    return name or contact.wa_id or None


def render(text: str, values: Mapping[str, str | None]) -> str:
    """Replace every known variable that has a value, in one pass (a value that itself looks
    like a variable is never expanded). Unknown or empty variables stay as written, so the
    agent sees what is left to fill before sending."""

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value else match.group(0)

    return VARIABLE.sub(fill, text)
