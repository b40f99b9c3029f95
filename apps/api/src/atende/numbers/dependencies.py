from typing import Annotated

from fastapi import Depends, Request

from atende.core.security import SecretBox


def get_secret_box(request: Request) -> SecretBox:
    return SecretBox(request.app.state.jwt_secret)


SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]
