"""Checking a template send against the stored template, and rendering it for the inbox.

Meta refuses a send whose parameters don't fit the template (132000 count mismatch, 132012
format mismatch, 132018 text with new lines), but only after the message was queued and
the agent moved on. Checking first answers the agent at once, before any network call.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atende.templates.exceptions import TemplateParametersMismatch
from atende.templates.models import ParameterFormat
from atende.whatsapp.templates import TemplateComponent, TemplateObject, TemplateParameter

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Meta: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces".
_BAD_TEXT = re.compile(r"[\n\t]| {5,}")
# Parameter types that stand in for a placeholder of text.
BODY_TYPES = frozenset({"text", "currency", "date_time"})
MEDIA_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "LOCATION"})
# Send `sub_type` → the template button types it fills (OTP buttons are sent as `url`).
BUTTON_KINDS: dict[str, frozenset[str]] = {
    "url": frozenset({"URL", "OTP"}),
    "quick_reply": frozenset({"QUICK_REPLY"}),
    "copy_code": frozenset({"COPY_CODE"}),
    "flow": frozenset({"FLOW"}),
}


def placeholders(text: str | None) -> list[str]:
    """The distinct placeholders of a text, positional ones in number order."""
    found = list(dict.fromkeys(PLACEHOLDER.findall(text or "")))
    if found and all(name.isdigit() for name in found):
        return sorted(found, key=int)
    return found


def parameter_format(declared: str | None, components: Sequence[dict[str, Any]]) -> str:
    """Meta's `parameter_format`, or what the placeholders show when it is absent."""
    if declared and declared.lower() in (ParameterFormat.NAMED, ParameterFormat.POSITIONAL):
        return declared.lower()
    texts = [c.get("text") for c in components if isinstance(c.get("text"), str)]
    names = [n for text in texts for n in placeholders(text)]
    return (
        ParameterFormat.NAMED if any(not n.isdigit() for n in names) else ParameterFormat.POSITIONAL
    )


def _component(components: Sequence[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    for component in components:
        if str(component.get("type", "")).upper() == kind:
            return component
    return None


def _mismatch(message: str) -> TemplateParametersMismatch:
    return TemplateParametersMismatch(message)


@dataclass(frozen=True)
class StoredTemplate:
    """What the check needs of a stored template."""

    name: str
    parameter_format: str
    components: Sequence[dict[str, Any]]


def _text_values(
    where: str,
    parameters: Sequence[TemplateParameter],
    names: Sequence[str],
    *,
    named: bool,
    allowed: frozenset[str],
) -> dict[str, str]:
    """Placeholder → the value shown for it; raises when the parameters don't fit."""
    if len(parameters) != len(names):
        raise _mismatch(
            f"The {where} takes {len(names)} parameter(s) ({_list(names)}); {len(parameters)} given"
        )
    for parameter in parameters:
        if parameter.type not in allowed:
            raise _mismatch(f"A {where} parameter cannot be of type {parameter.type}")
        value = parameter.display_value()
        if not value.strip():
            raise _mismatch(f"A {where} parameter is empty")
        if parameter.type == "text" and _BAD_TEXT.search(value):
            raise _mismatch(
                f"A {where} parameter has a new line, a tab or more than 4 spaces in a row"
            )
    if not named:
        if any(p.parameter_name is not None for p in parameters):
            raise _mismatch(f"The {where} has positional parameters: drop parameter_name")
        return {name: p.display_value() for name, p in zip(names, parameters, strict=True)}
    given = [p.parameter_name for p in parameters]
    if None in given:
        raise _mismatch(f"The {where} has named parameters: each needs its parameter_name")
    if sorted(n for n in given if n is not None) != sorted(names):
        raise _mismatch(f"The {where} takes the parameters {_list(names)}; given {_list(given)}")
    return {p.parameter_name or "": p.display_value() for p in parameters}


def _list(names: Sequence[str | None]) -> str:
    return ", ".join(f"{{{{{n}}}}}" for n in names) or "none"


def _single(sent: list[TemplateComponent], kind: str) -> TemplateComponent | None:
    if len(sent) > 1:
        raise _mismatch(f"Give at most one {kind} component")
    return sent[0] if sent else None


def _check_header(
    stored: Sequence[dict[str, Any]], sent: TemplateComponent | None, named: bool
) -> None:
    header = _component(stored, "HEADER")
    parameters = sent.parameters if sent else []
    if header is None:
        if parameters:
            raise _mismatch("The template has no header to fill")
        return
    kind = str(header.get("format") or "TEXT").upper()
    if kind in MEDIA_FORMATS:
        wanted = kind.lower()
        if len(parameters) != 1 or parameters[0].type != wanted:
            raise _mismatch(f"The header takes one {wanted} parameter")
        return
    text = header.get("text") if isinstance(header.get("text"), str) else None
    _text_values("header", parameters, placeholders(text), named=named, allowed=frozenset({"text"}))


def _check_buttons(stored: Sequence[dict[str, Any]], sent: list[TemplateComponent]) -> None:
    group = _component(stored, "BUTTONS")
    buttons = group.get("buttons") if group else None
    listed = buttons if isinstance(buttons, list) else []
    defined: list[dict[str, Any]] = [b for b in listed if isinstance(b, dict)]
    seen: set[int] = set()
    for component in sent:
        index = component.position
        if index in seen:
            raise _mismatch(f"Button {index} is given twice")
        seen.add(index)
        if index >= len(defined):
            raise _mismatch(f"The template has no button {index}")
        kinds = BUTTON_KINDS.get(component.sub_type or "")
        kind = str(defined[index].get("type", "")).upper()
        if kinds is not None and kind not in kinds:
            raise _mismatch(f"Button {index} is a {kind.lower()} button, not {component.sub_type}")
        if component.sub_type == "url":
            names = placeholders(defined[index].get("url")) if kind == "URL" else ["code"]
            _text_values(
                f"button {index}",
                component.parameters,
                names,
                named=False,
                allowed=frozenset({"text"}),
            )
        elif component.sub_type == "quick_reply" and any(
            p.type != "payload" for p in component.parameters
        ):
            raise _mismatch(f"Quick reply button {index} takes only a payload parameter")
        elif component.sub_type == "copy_code" and [p.type for p in component.parameters] != [
            "coupon_code"
        ]:
            raise _mismatch(f"Copy code button {index} takes one coupon_code parameter")
    for index, button in enumerate(defined):
        kind = str(button.get("type", "")).upper()
        needs_value = (
            (kind == "URL" and placeholders(button.get("url")))
            or kind == "OTP"
            or kind == "COPY_CODE"
        )
        if needs_value and index not in seen:
            raise _mismatch(f"Button {index} ({kind.lower()}) needs its parameter")


def check_and_render(template: StoredTemplate, send: TemplateObject) -> str:
    """The body as the customer will read it; raises `TemplateParametersMismatch` when the
    send's parameters don't fit the stored template."""
    named = template.parameter_format == ParameterFormat.NAMED
    by_type: dict[str, list[TemplateComponent]] = {"header": [], "body": [], "button": []}
    for component in send.components:
        by_type[component.type].append(component)

    _check_header(template.components, _single(by_type["header"], "header"), named)

    body = _component(template.components, "BODY")
    body_text = body.get("text") if body and isinstance(body.get("text"), str) else ""
    sent_body = _single(by_type["body"], "body")
    values = _text_values(
        "body",
        sent_body.parameters if sent_body else [],
        placeholders(body_text),
        named=named,
        allowed=BODY_TYPES,
    )
    _check_buttons(template.components, by_type["button"])
    return fill(body_text or "", values)


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each known placeholder replaced by its value (unknown ones kept)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
