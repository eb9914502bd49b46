"""The order in which the checker pool starts queued checks (checks.pool), with the checker
processes replaced by a recorder: the rule alone, not the decoding."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest

from realtymedia.checks import pool
from realtymedia.domain.media import Limits


class NoProcess:
    def kill(self) -> None:
        pass


class Gated:
    """Stands in for ByteChecks._run: records which job started and holds it until released."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.changed = threading.Condition()
        self.release: dict[str, threading.Event] = {}

    def run(self, checker: object, job: pool._Job) -> tuple[object, object]:
        with self.changed:
            self.started.append(job.declared)
            gate = self.release.setdefault(job.declared, threading.Event())
            self.changed.notify_all()
        assert gate.wait(10)
        return ("answer", job.declared), checker

    def wait_for(self, count: int) -> list[str]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.started) >= count, 10), self.started
            return list(self.started)

    def finish(self, name: str) -> None:
        with self.changed:
            self.release.setdefault(name, threading.Event()).set()


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gated]:
    recorder = Gated()
    monkeypatch.setattr(pool, "_Checker", lambda context, memory: NoProcess())
    monkeypatch.setattr(pool.ByteChecks, "_run", lambda checks, checker, job: recorder.run(checker, job))
    yield recorder
    for event in recorder.release.values():
        event.set()


def checks(processes: int) -> pool.ByteChecks:
    return pool.ByteChecks(pool.Bounds(processes=processes, seconds=10, memory_bytes=1 << 30), Limits())


def submit(checks: pool.ByteChecks, owner: str, name: str) -> None:
    checks.submit(owner, io.BytesIO(b""), name)


def test_a_user_holds_no_more_than_all_but_one_process_and_another_user_starts_at_once(gated: Gated) -> None:
    byte_checks = checks(3)
    for i in range(5):
        submit(byte_checks, "alice", f"a{i}")
    assert gated.wait_for(2) == ["a0", "a1"]
    submit(byte_checks, "bob", "b0")
    assert gated.wait_for(3) == ["a0", "a1", "b0"]
    gated.finish("a1")
    assert gated.wait_for(4)[3] == "a2"  # alice's oldest waiting check, on the process she freed
    byte_checks.close()


def test_the_next_free_process_takes_the_oldest_check_of_the_user_with_fewest_running(gated: Gated) -> None:
    byte_checks = checks(3)
    submit(byte_checks, "alice", "a0")
    submit(byte_checks, "alice", "a1")
    assert gated.wait_for(2) == ["a0", "a1"]
    submit(byte_checks, "bob", "b0")
    assert gated.wait_for(3)[2] == "b0"
    for name in ("a2", "a3"):
        submit(byte_checks, "alice", name)
    submit(byte_checks, "bob", "b1")
    submit(byte_checks, "carol", "c0")
    # One process frees: carol (none running) goes before bob (one) and alice (two, at her share).
    gated.finish("a0")
    assert gated.wait_for(4)[3] == "c0"
    # Then bob and alice have one running each: the older waiting check goes first (alice's a2).
    gated.finish("c0")
    assert gated.wait_for(5)[4] == "a2"
    gated.finish("b0")
    assert gated.wait_for(6)[5] == "b1"
    gated.finish("a1")
    assert gated.wait_for(7)[6] == "a3"
    byte_checks.close()


def test_every_queued_check_is_answered_in_its_users_order(gated: Gated) -> None:
    byte_checks = checks(2)
    futures = {f"{owner}{i}": byte_checks.submit(owner, io.BytesIO(b""), f"{owner}{i}")
               for i in range(20) for owner in ("a", "b", "c")}  # fmt: skip
    for name in futures:
        gated.finish(name)
    answers = {name: future.result(10) for name, future in futures.items()}
    assert answers == {name: ("answer", name) for name in futures}
    for owner in "abc":
        mine = [name for name in gated.started if name.startswith(owner)]
        assert mine == [f"{owner}{i}" for i in range(20)]
    byte_checks.close()


def test_closing_answers_every_waiting_check(gated: Gated) -> None:
    byte_checks = checks(2)
    futures = [byte_checks.submit("alice", io.BytesIO(b""), f"a{i}") for i in range(4)]
    gated.wait_for(1)
    byte_checks.close()
    for future in futures[1:]:
        with pytest.raises(RuntimeError, match="closed"):
            future.result(10)
