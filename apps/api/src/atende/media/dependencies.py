from typing import Annotated

from fastapi import Depends, Request

from atende.media.storage import MediaStorage


def get_storage(request: Request) -> MediaStorage:
    storage: MediaStorage = request.app.state.media_storage
    return storage


StorageDep = Annotated[MediaStorage, Depends(get_storage)]
