"""Named server secrets, made once by whichever process asks first and then shared by all."""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from callscope.adapters.storage import Storage

# Per storage (a weak key: a storage gone takes its entries along, never handed to another).
_CACHE: WeakKeyDictionary[Storage, dict[str, str]] = WeakKeyDictionary()


def stored_secret(storage: Storage, name: str, make: Callable[[], str]) -> str:
    """The secret called `name`; `make` creates it the first time (a race keeps the first)."""
    cached = _CACHE.setdefault(storage, {})
    if name in cached:
        return cached[name]
    with storage.read() as uow:
        value = uow.secrets.get(name)
    if value is None:
        with storage.write() as uow:
            uow.secrets.put_if_absent(name, make())
            value = uow.secrets.get(name)
            uow.commit()
    assert value is not None
    cached[name] = value
    return value
