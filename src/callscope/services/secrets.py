"""Named server secrets, made once by whichever process asks first and then shared by all."""

from __future__ import annotations

from collections.abc import Callable

from callscope.adapters.storage import Storage

_CACHE: dict[tuple[int, str], str] = {}


def stored_secret(storage: Storage, name: str, make: Callable[[], str]) -> str:
    """The secret called `name`; `make` creates it the first time (a race keeps the first)."""
    cached = _CACHE.get((id(storage), name))
    if cached is not None:
        return cached
    with storage.read() as uow:
        value = uow.secrets.get(name)
    if value is None:
        with storage.write() as uow:
            uow.secrets.put_if_absent(name, make())
            value = uow.secrets.get(name)
            uow.commit()
    assert value is not None
    _CACHE[(id(storage), name)] = value
    return value
