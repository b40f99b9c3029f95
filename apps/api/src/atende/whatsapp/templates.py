"""Graph API shapes for message templates (cloud-api.md §6.1, §9): the `template` object of a
send, the `/{waba_id}/message_templates` list, and the `message_template_status_update`
webhook value. Only `whatsapp/` and the modules that store or send templates read them.
"""

import re
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atende.whatsapp.schemas import GraphBody, recipient_fields

# -- the `template` object of a send (Meta's shape, accepted as is by POST .../messages) -----

ParameterType = Literal[
    "text",
    "currency",
    "date_time",
    "image",
    "video",
    "document",
    "location",
    "payload",
    "coupon_code",
    "action",
]
# Each parameter type carries its value in the field of the same name.
_VALUE_FIELD: dict[str, str] = {t: t for t in get_args(ParameterType)}
MEDIA_TYPES = frozenset({"image", "video", "document"})


class _Send(BaseModel):
    # Unknown keys are refused: the body is posted to Meta verbatim.
    model_config = ConfigDict(extra="forbid")


class TemplateMedia(_Send):
    """A media header parameter: an uploaded media `id` or a hosted `link` (exactly one)."""

    id: str | None = Field(default=None, min_length=1, max_length=128)
    link: str | None = Field(default=None, min_length=1, max_length=2048)
    filename: str | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.id is None) == (self.link is None):
            raise ValueError("give exactly one of id and link")
        return self


class TemplateCurrency(_Send):
    fallback_value: str = Field(min_length=1, max_length=1024)
    code: str = Field(pattern=r"^[A-Z]{3}$")
    amount_1000: int


class TemplateDateTime(_Send):
    fallback_value: str = Field(min_length=1, max_length=1024)


class TemplateLocation(_Send):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = Field(default=None, max_length=1024)
    address: str | None = Field(default=None, max_length=1024)


class TemplateParameter(_Send):
    type: ParameterType
    # Named templates (`{{first_name}}`) name each text parameter; positional ones don't.
    parameter_name: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,128}$")
    text: str | None = Field(default=None, max_length=32768)
    currency: TemplateCurrency | None = None
    date_time: TemplateDateTime | None = None
    image: TemplateMedia | None = None
    video: TemplateMedia | None = None
    document: TemplateMedia | None = None
    location: TemplateLocation | None = None
    payload: str | None = Field(default=None, max_length=1024)
    coupon_code: str | None = Field(default=None, max_length=64)
    # Flow buttons: `{flow_token, flow_action_data}`, passed through to Meta.
    action: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _value_matches_type(self) -> Self:
        given = [name for name in _VALUE_FIELD.values() if getattr(self, name) is not None]
        if given != [_VALUE_FIELD[self.type]]:
            raise ValueError(f"a {self.type} parameter carries exactly its `{self.type}` field")
        return self

    def display_value(self) -> str:
        """What the customer reads in place of the placeholder."""
        if self.type == "text":
            return self.text or ""
        if self.currency is not None:
            return self.currency.fallback_value
        if self.date_time is not None:
            return self.date_time.fallback_value
        return ""


class TemplateComponent(_Send):
    type: Literal["header", "body", "button"]
    # Buttons only: which button (by position in the template) and of what kind.
    sub_type: str | None = Field(default=None, max_length=32)
    index: int | str | None = None
    parameters: list[TemplateParameter] = Field(default_factory=list, max_length=100)

    @field_validator("type", "sub_type", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _button_fields(self) -> Self:
        if self.type == "button":
            if self.sub_type is None or self.index is None:
                raise ValueError("a button component needs sub_type and index")
            if not re.fullmatch(r"[0-9]{1,3}", str(self.index)):
                raise ValueError("index must be the button's position (0, 1, ...)")
        elif self.sub_type is not None or self.index is not None:
            raise ValueError("only button components take sub_type and index")
        return self

    @property
    def position(self) -> int:
        return int(str(self.index))


class TemplateLanguage(_Send):
    code: str = Field(pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$", max_length=20)
    policy: Literal["deterministic"] | None = None


class TemplateObject(_Send):
    """The `template` of a send, exactly as Meta takes it (cloud-api.md §6.1)."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: TemplateLanguage
    components: list[TemplateComponent] = Field(default_factory=list, max_length=20)

    def graph(self) -> dict[str, Any]:
        body = self.model_dump(exclude_none=True)
        if not body["components"]:
            del body["components"]
        return body


def template_message_body(
    *,
    wa_id: str | None,
    user_id: str | None,
    template: TemplateObject,
    callback_data: str | None = None,
) -> GraphBody:
    to, recipient = recipient_fields(wa_id=wa_id, user_id=user_id)
    body: GraphBody = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    if to is not None:
        body["to"] = to
    if recipient is not None:
        body["recipient"] = recipient
    body["type"] = "template"
    body["template"] = template.graph()
    if callback_data is not None:
        body["biz_opaque_callback_data"] = callback_data
    return body


# -- GET /{waba_id}/message_templates --------------------------------------------------------

# What the list asks for: everything an inbox needs to validate and preview a send.
LIST_FIELDS = "id,name,language,status,category,parameter_format,components"


class _Graph(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class GraphTemplate(_Graph):
    id: str
    name: str
    language: str
    status: str
    category: str | None = None
    parameter_format: str | None = None
    components: list[dict[str, Any]] = Field(default_factory=list)


class GraphCursors(_Graph):
    before: str | None = None
    after: str | None = None


class GraphPaging(_Graph):
    cursors: GraphCursors | None = None
    next: str | None = None


class TemplatePage(_Graph):
    data: list[GraphTemplate]
    paging: GraphPaging | None = None

    @property
    def next_cursor(self) -> str | None:
        """Graph cursor paging: there is a next page only while `paging.next` is present."""
        if self.paging is None or not self.paging.next or self.paging.cursors is None:
            return None
        return self.paging.cursors.after or None


# -- the message_template_status_update webhook (cloud-api.md §9) ----------------------------


class TemplateStatusUpdate(_Graph):
    event: str = Field(max_length=64)
    # An integer in the webhook; kept as a string like every Graph id.
    message_template_id: str = Field(min_length=1, max_length=64)
    message_template_name: str | None = None
    message_template_language: str | None = None
    reason: str | None = None


def parse_template_status(value: dict[str, Any]) -> TemplateStatusUpdate | None:
    """The webhook value, or None when it lacks the template id or the event."""
    try:
        return TemplateStatusUpdate.model_validate(value)
    except ValueError:
        return None
