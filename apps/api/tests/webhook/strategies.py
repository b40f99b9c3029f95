"""Hypothesis strategies: webhook items taken from the payload fixtures, then mutated."""

import copy
import itertools
from typing import Any

from hypothesis import strategies as st

from tests.webhook import helpers as h

FIXTURES = [p.stem for p in sorted(h.PAYLOADS.glob("*.json"))]


def _items(kind: str) -> list[dict[str, Any]]:
    found = []
    for name in FIXTURES:
        for entry in h.payload(name)["entry"]:
            for change in entry["changes"]:
                found.extend(change["value"].get(kind, []))
    return found


BASE_MESSAGES = _items("messages")
BASE_STATUSES = _items("statuses")
BASE_CONTACTS = _items("contacts")

junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.text(min_size=250, max_size=300),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_serial = itertools.count()


def fresh_id(wamid: Any) -> str:
    """Unique per example, so examples sharing one database never collide."""
    return f"{wamid}.{next(_serial)}"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: list[dict[str, Any]]) -> dict[str, Any]:
    item = copy.deepcopy(draw(st.sampled_from(base)))
    if "id" in item:
        item["id"] = fresh_id(item["id"])
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(item)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = item
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            parent[path[-1]] = draw(junk)
        elif isinstance(parent, dict):
            del parent[path[-1]]
    return item


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15557770100", "phone_number_id": h.PHONE_NUMBER_ID},
        "contacts": draw(st.lists(mutated(BASE_CONTACTS), max_size=3)),
        "messages": draw(st.lists(mutated(BASE_MESSAGES), min_size=1, max_size=5)),
    }
    if draw(st.booleans()):
        value["statuses"] = draw(st.lists(mutated(BASE_STATUSES), max_size=3))
    change: dict[str, Any] = {"field": "messages", "value": value}
    if draw(st.integers(0, 4)) == 0:
        change = draw(mutated([change]))
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
