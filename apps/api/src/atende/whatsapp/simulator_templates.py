"""The simulator's message templates: a fixed, realistic set any simulated WABA lists
(`GET /{version}/{waba_id}/message_templates`, in small pages so the client's cursor paging
is exercised) and may send."""

import base64
from typing import Any

# A few pages even for the default list: Meta's pages are larger, the paging is the same.
PAGE_SIZE = 2

TEMPLATES: list[dict[str, Any]] = [
    {
        "id": "1790000000000001",
        "name": "pedido_enviado",
        "language": "pt_BR",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "POSITIONAL",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Pedido a caminho"},
            {
                "type": "BODY",
                "text": "Olá {{1}}, seu pedido {{2}} foi enviado e chega em até 3 dias úteis.",
                "example": {"body_text": [["Maria", "#4412"]]},
            },
            {"type": "FOOTER", "text": "Loja Exemplo"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "QUICK_REPLY", "text": "Falar com atendente"},
                    {
                        "type": "URL",
                        "text": "Rastrear pedido",
                        "url": "https://loja.example.com/rastreio/{{1}}",
                        "example": ["https://loja.example.com/rastreio/4412"],
                    },
                ],
            },
        ],
    },
    {
        "id": "1790000000000002",
        "name": "novidades_semana",
        "language": "pt_BR",
        "status": "APPROVED",
        "category": "MARKETING",
        "parameter_format": "POSITIONAL",
        "components": [
            {
                "type": "HEADER",
                "format": "IMAGE",
                "example": {"header_handle": ["4::aW1hZ2UvanBlZw==:ARZexample"]},
            },
            {
                "type": "BODY",
                "text": "Oi {{1}}! Chegaram as novidades da semana, com frete grátis até domingo.",
                "example": {"body_text": [["Maria"]]},
            },
            {"type": "FOOTER", "text": "Responda SAIR para não receber ofertas"},
        ],
    },
    {
        "id": "1790000000000003",
        "name": "lembrete_agendamento",
        "language": "pt_BR",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Olá {{nome}}, lembramos do seu horário em {{data}} às {{hora}}.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "nome", "example": "Maria"},
                        {"param_name": "data", "example": "12/03"},
                        {"param_name": "hora", "example": "14h"},
                    ]
                },
            },
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "QUICK_REPLY", "text": "Confirmar"},
                    {"type": "QUICK_REPLY", "text": "Remarcar"},
                ],
            },
        ],
    },
    {
        "id": "1790000000000004",
        "name": "retomar_atendimento",
        "language": "pt_BR",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "POSITIONAL",
        "components": [
            {
                "type": "BODY",
                "text": "Olá! Vimos que sua conversa com a gente ficou pendente. "
                "Podemos continuar o atendimento?",
            },
        ],
    },
    {
        "id": "1790000000000005",
        "name": "order_update",
        "language": "en_US",
        "status": "REJECTED",
        "category": "MARKETING",
        "parameter_format": "POSITIONAL",
        "components": [{"type": "BODY", "text": "Hi {{1}}{{2}}, big news!"}],
    },
]


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode().rstrip("=")


def _index(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        index = int(raw.removeprefix("i:"))
    except ValueError:
        return None
    return index if 0 <= index <= len(TEMPLATES) else None


def page(*, url: str, limit: int | None, after: str | None) -> dict[str, Any] | None:
    """One page in Graph's cursor paging shape; None for a cursor the simulator never gave."""
    start = _index(after)
    if start is None:
        return None
    size = max(1, min(limit or PAGE_SIZE, PAGE_SIZE))
    items = TEMPLATES[start : start + size]
    end = start + len(items)
    paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(end)}}
    if end < len(TEMPLATES):
        paging["next"] = f"{url}?limit={size}&after={_cursor(end)}"
    return {"data": items, "paging": paging}


def is_sendable(template: object) -> bool:
    """Whether a send's `template` names an approved template of the set (else Meta: 132001)."""
    if not isinstance(template, dict):
        return False
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    return any(
        t["name"] == template.get("name") and t["language"] == code and t["status"] == "APPROVED"
        for t in TEMPLATES
    )
