"""Storage failures leave a unit of work as the domain's error types, never as SQLAlchemy's."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from callscope.adapters.database import make_engine
from callscope.adapters.storage import Storage
from callscope.domain.errors import StorageError, StorageUnavailable

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1"


def test_an_unreachable_database_is_storage_unavailable() -> None:
    storage = Storage(make_engine(UNREACHABLE))
    with pytest.raises(StorageUnavailable) as caught, storage.read() as uow:
        uow.numbers.routes("+15550100201")
    assert isinstance(caught.value.__cause__, OperationalError)


def test_an_operational_error_inside_the_block_is_storage_unavailable(storage: Storage) -> None:
    with pytest.raises(StorageUnavailable), storage.write():
        raise OperationalError("UPDATE", {}, Exception("database is locked"))


def test_any_other_database_error_is_a_storage_error_but_not_retryable(storage: Storage) -> None:
    with pytest.raises(StorageError) as caught, storage.write():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))
    assert not isinstance(caught.value, StorageUnavailable)
    with storage.write() as uow:  # the writer lock was released: the next unit starts
        uow.commit()
