"""One transaction and the repositories over it.

A use case opens it (`with core.unit_of_work() as uow:`), asks its repositories, and commits once
(`uow.commit()`); whatever is not committed when the block ends is rolled back. A rule that some
of a transaction's work survives a refusal of the rest is a savepoint, written where the rule is
(`with uow.savepoint():`).

The transaction is a Core connection's; an ORM session over it is made only when a repository
needs one (most hot paths use plain statements, and a session costs more than they do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Executable, Result, RootTransaction
from sqlalchemy.orm import Session

from realtymedia.persistence.accounts import Accounts, OAuthRecords
from realtymedia.persistence.idempotency import RequestRecords
from realtymedia.persistence.media import MediaItems
from realtymedia.persistence.projects import Projects
from realtymedia.persistence.realties import Realties
from realtymedia.persistence.statements import SelectOne
from realtymedia.persistence.tickets import Tickets

# What a statement gives back: rows of any shape.
Rows = Result[*tuple[Any, ...]]


class UnitOfWork:
    def __init__(self, connection: Connection, transaction: RootTransaction, release: Callable[[], None]) -> None:
        self.connection = connection
        self._transaction = transaction
        self._release = release
        self._session: Session | None = None
        self._closed = False
        self.committed = False

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Roll back what was not committed and give the connection back."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._session is not None:
                self._session.close()
            if self._transaction.is_active:
                self._transaction.rollback()
            self.connection.close()
        finally:
            self._release()

    @property
    def session(self) -> Session:
        """The ORM session of this transaction (made on first use)."""
        if self._session is None:
            # conditional_savepoint: outside a savepoint the session never commits the transaction
            # (commit() here does) and a failed flush rolls it back as a whole; made inside one of
            # the connection's savepoints (savepoint() below), it works in a savepoint of its own.
            self._session = Session(
                bind=self.connection, expire_on_commit=False, join_transaction_mode="conditional_savepoint"
            )
        return self._session

    def select_one(self, statement: SelectOne, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """A read of at most one row on a hot path (statements.SelectOne) in the transaction, after
        the session's pending changes, if there is a session, are flushed."""
        if self._session is not None:
            self._session.flush()
        return statement.in_transaction(self.connection, parameters)

    def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Rows:
        """Run a statement in the transaction (through the session when there is one, so that its
        pending changes are flushed first)."""
        if self._session is not None:
            return self._session.execute(statement, parameters)
        return self.connection.execute(statement, parameters)

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def commit(self) -> None:
        self.flush()
        self._transaction.commit()
        self.committed = True

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that an error undoes alone: the error propagates, the rest of
        the transaction stays and can still commit."""
        if self._session is not None:
            with self._session.begin_nested():
                yield
            return
        # No ORM session yet (the hot paths' plain statements need none): the connection's own
        # savepoint, without making a session for it. A session made inside works in a savepoint
        # of its own within this one, released or rolled back with it.
        nested = self.connection.begin_nested()
        try:
            yield
            if self._session is not None:
                self._session.commit()  # flush, and release the session's savepoint
        except BaseException:
            if self._session is not None:
                self._session.rollback()
            nested.rollback()
            raise
        nested.commit()

    # -- repositories -----------------------------------------------------------------------

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self)

    @cached_property
    def oauth(self) -> OAuthRecords:
        return OAuthRecords(self)

    @cached_property
    def tickets(self) -> Tickets:
        return Tickets(self)

    @cached_property
    def media(self) -> MediaItems:
        return MediaItems(self)

    @cached_property
    def projects(self) -> Projects:
        return Projects(self)

    @cached_property
    def realties(self) -> Realties:
        return Realties(self)

    @cached_property
    def requests(self) -> RequestRecords:
        return RequestRecords(self)
