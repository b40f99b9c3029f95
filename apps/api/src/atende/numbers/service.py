"""Numbers: administration and the credentials used to call the Graph API for a number."""

from atende.core.security import SecretBox
from atende.numbers.models import Number


def access_token_for(number: Number, *, secret: str, default: str) -> str:
    """The number's own token (decrypted) or the global WHATSAPP_TOKEN."""
    if number.access_token_encrypted:
        token = SecretBox(secret).decrypt(number.access_token_encrypted)
        if token:
            return token
    return default
