"""The template check and preview, without a database."""

from typing import Any

import pytest

from atende.templates.exceptions import TemplateParametersMismatch
from atende.templates.rendering import (
    StoredTemplate,
    check_and_render,
    fill,
    parameter_format,
    placeholders,
)
from atende.whatsapp.templates import TemplateObject, template_message_body


def send(name: str, *components: dict[str, Any]) -> TemplateObject:
    return TemplateObject.model_validate(
        {"name": name, "language": {"code": "pt_BR"}, "components": list(components)}
    )


def stored(*components: dict[str, Any], fmt: str = "positional") -> StoredTemplate:
    return StoredTemplate(name="t", parameter_format=fmt, components=list(components))


def test_placeholders_are_distinct_and_in_number_order() -> None:
    assert placeholders("{{2}} e {{1}} e {{2}} e {{10}}") == ["1", "2", "10"]
    assert placeholders("Olá {{ nome }}, {{data}}") == ["nome", "data"]
    assert placeholders(None) == []


def test_fill_keeps_unknown_placeholders() -> None:
    assert fill("Olá {{1}} {{2}}", {"1": "Dana"}) == "Olá Dana {{2}}"


def test_parameter_format_falls_back_to_what_the_text_shows() -> None:
    named = [{"type": "BODY", "text": "Oi {{nome}}"}]
    assert parameter_format(None, named) == "named"
    assert parameter_format("NAMED", []) == "named"
    assert parameter_format(None, [{"type": "BODY", "text": "Oi {{1}}"}]) == "positional"


def test_currency_and_date_time_show_their_fallback() -> None:
    template = stored({"type": "BODY", "text": "Total {{1}} em {{2}}"})
    text = check_and_render(
        template,
        send(
            "t",
            {
                "type": "body",
                "parameters": [
                    {
                        "type": "currency",
                        "currency": {
                            "fallback_value": "R$ 10,00",
                            "code": "BRL",
                            "amount_1000": 10000,
                        },
                    },
                    {"type": "date_time", "date_time": {"fallback_value": "12 de março"}},
                ],
            },
        ),
    )
    assert text == "Total R$ 10,00 em 12 de março"


def test_authentication_templates_take_the_code_in_body_and_button() -> None:
    template = stored(
        {"type": "BODY", "text": "{{1}} é seu código."},
        {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]},
    )
    code = {"type": "text", "text": "123456"}
    body = {"type": "body", "parameters": [code]}
    button = {"type": "button", "sub_type": "url", "index": 0, "parameters": [code]}
    assert check_and_render(template, send("t", body, button)) == "123456 é seu código."
    with pytest.raises(TemplateParametersMismatch, match="Button 0"):
        check_and_render(template, send("t", body))


def test_copy_code_buttons_need_their_coupon() -> None:
    template = stored(
        {"type": "BODY", "text": "Cupom!"},
        {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "X"}]},
    )
    coupon = {
        "type": "button",
        "sub_type": "copy_code",
        "index": "0",
        "parameters": [{"type": "coupon_code", "coupon_code": "PROMO10"}],
    }
    assert check_and_render(template, send("t", coupon)) == "Cupom!"
    with pytest.raises(TemplateParametersMismatch):
        check_and_render(template, send("t"))
    wrong = {**coupon, "sub_type": "quick_reply"}
    with pytest.raises(TemplateParametersMismatch, match="copy_code button"):
        check_and_render(template, send("t", wrong))


def test_a_quick_reply_payload_is_optional() -> None:
    template = stored(
        {"type": "BODY", "text": "Oi"},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Sim"}]},
    )
    assert check_and_render(template, send("t")) == "Oi"
    payload = {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "0",
        "parameters": [{"type": "payload", "payload": "SIM"}],
    }
    assert check_and_render(template, send("t", payload)) == "Oi"


def test_two_body_components_are_refused() -> None:
    template = stored({"type": "BODY", "text": "Oi {{1}}"})
    body = {"type": "body", "parameters": [{"type": "text", "text": "a"}]}
    with pytest.raises(TemplateParametersMismatch, match="at most one body"):
        check_and_render(template, send("t", body, body))


def test_more_than_four_spaces_in_a_row_are_refused() -> None:
    template = stored({"type": "BODY", "text": "Oi {{1}}"})
    body = {"type": "body", "parameters": [{"type": "text", "text": "a     b"}]}
    with pytest.raises(TemplateParametersMismatch, match="spaces"):
        check_and_render(template, send("t", body))


def test_the_graph_body_addresses_a_bsuid_by_recipient() -> None:
    body = template_message_body(
        wa_id=None, user_id="BR.123", template=send("t"), callback_data="id-1"
    )
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "recipient": "BR.123",
        "type": "template",
        "template": {"name": "t", "language": {"code": "pt_BR"}},
        "biz_opaque_callback_data": "id-1",
    }
