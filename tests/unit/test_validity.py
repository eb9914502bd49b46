"""The rules of persistence.validity's memory (no database: the listener's part is driven by hand,
`listening` and `changed` as MediaChanges calls them; tests/integration/test_validity.py has the
real thing on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from realtymedia.persistence.validity import Notified, ReadEveryTime


class Rows:
    """A fake database: what a key reads as now, and how many reads it served."""

    def __init__(self, **rows: str) -> None:
        self.rows: dict[str, str | None] = dict(rows)
        self.reads = 0
        self.during: Callable[[], None] | None = None  # what happens while a read is under way

    def fetch(self, key: str) -> Callable[[], str | None]:
        def read() -> str | None:
            self.reads += 1
            found = self.rows.get(key)
            if self.during is not None:
                during, self.during = self.during, None
                during()
            return found

        return read


def live() -> Notified:
    memory = Notified(None)
    memory.listening(True)
    return memory


def test_sqlite_reads_every_time() -> None:
    rows = Rows(a="row a")
    validity = ReadEveryTime()
    assert [validity.read("a", rows.fetch("a")) for _ in range(3)] == ["row a"] * 3
    assert rows.reads == 3


def test_nothing_is_kept_while_the_listener_is_not_listening() -> None:
    rows, memory = Rows(a="row a"), Notified(None)
    assert [memory.read("a", rows.fetch("a")) for _ in range(3)] == ["row a"] * 3
    assert rows.reads == 3


def test_a_row_read_while_listening_is_kept_until_it_changes() -> None:
    rows, memory = Rows(a="row a", b="row b"), live()
    assert memory.read("a", rows.fetch("a")) == "row a"
    assert memory.read("b", rows.fetch("b")) == "row b"
    assert memory.read("a", rows.fetch("a")) == "row a"
    assert rows.reads == 2
    rows.rows["a"] = None
    memory.changed("a")  # the notification of its delete
    assert memory.read("a", rows.fetch("a")) is None
    assert memory.read("b", rows.fetch("b")) == "row b"  # the others stay
    assert rows.reads == 3


def test_not_found_is_never_kept() -> None:
    rows, memory = Rows(), live()
    assert memory.read("new", rows.fetch("new")) is None
    rows.rows["new"] = "made since"  # an insert notifies nothing: a miss must be read again
    assert memory.read("new", rows.fetch("new")) == "made since"
    assert rows.reads == 2


def test_a_notification_during_the_read_means_its_answer_is_not_kept() -> None:
    """The read may have seen the row before the change whose notification came meanwhile."""
    rows, memory = Rows(a="row a as it was"), live()
    rows.during = lambda: memory.changed("a")
    assert memory.read("a", rows.fetch("a")) == "row a as it was"  # answered, not kept
    rows.rows["a"] = None
    assert memory.read("a", rows.fetch("a")) is None
    assert rows.reads == 2


def test_a_notification_of_another_row_during_the_read_also_keeps_nothing() -> None:
    """One counter for every row: conservative, and notifications are rare (deletes)."""
    rows, memory = Rows(a="row a"), live()
    rows.during = lambda: memory.changed("b")
    memory.read("a", rows.fetch("a"))
    memory.read("a", rows.fetch("a"))
    memory.read("a", rows.fetch("a"))
    assert rows.reads == 2  # the second read was kept


def test_a_local_forget_during_the_read_keeps_nothing() -> None:
    rows, memory = Rows(a="row a"), live()
    rows.during = lambda: memory.forget(["a"])
    memory.read("a", rows.fetch("a"))
    memory.read("a", rows.fetch("a"))
    assert rows.reads == 2


def test_a_reconnection_during_the_read_keeps_nothing() -> None:
    """Down and up again while the read was under way: a change in between was never heard."""
    rows, memory = Rows(a="row a"), live()

    def lost_and_back() -> None:
        memory.listening(False)
        memory.listening(True)

    rows.during = lost_and_back
    memory.read("a", rows.fetch("a"))
    memory.read("a", rows.fetch("a"))
    memory.read("a", rows.fetch("a"))
    assert rows.reads == 2


def test_losing_the_listener_drops_everything_and_reads_again() -> None:
    rows, memory = Rows(a="row a"), live()
    memory.read("a", rows.fetch("a"))
    memory.listening(False)
    assert not memory.live
    rows.rows["a"] = None  # deleted while nobody listened
    assert memory.read("a", rows.fetch("a")) is None
    rows.rows["a"] = "row a again"
    assert memory.read("a", rows.fetch("a")) == "row a again"
    assert memory.read("a", rows.fetch("a")) == "row a again"
    assert rows.reads == 4  # nothing kept while down
    memory.listening(True)  # up again: it starts empty, and keeps again
    assert memory.read("a", rows.fetch("a")) == "row a again"
    assert memory.read("a", rows.fetch("a")) == "row a again"
    assert rows.reads == 5


def test_a_reconnection_starts_empty() -> None:
    rows, memory = Rows(a="row a"), live()
    memory.read("a", rows.fetch("a"))
    memory.listening(False)
    memory.listening(True)
    memory.read("a", rows.fetch("a"))
    assert rows.reads == 2


def test_the_memory_is_bounded() -> None:
    rows, memory = Rows(**{f"k{i}": f"row {i}" for i in range(10)}), Notified(None, size=4)
    memory.listening(True)
    for i in range(10):
        memory.read(f"k{i}", rows.fetch(f"k{i}"))
    assert sum(memory.holds(f"k{i}") for i in range(10)) == 4
    assert memory.holds("k9") and not memory.holds("k0")


def test_an_empty_notification_forgets_every_row() -> None:
    """What migration 0007 sends for a TRUNCATE."""
    rows, memory = Rows(a="row a", b="row b"), live()
    memory.read("a", rows.fetch("a"))
    memory.read("b", rows.fetch("b"))
    memory.changed("")
    assert not memory.holds("a") and not memory.holds("b")
