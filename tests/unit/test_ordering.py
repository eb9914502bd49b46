"""IS24's order rule (move_to_front)."""

from __future__ import annotations

from realtymedia.domain.ordering import move_to_front


def test_the_documents_example() -> None:
    picture, pdf, link = "picture", "pdf", "link"
    # Only files are ordered: the link is not among the current ids, so it is ignored.
    assert move_to_front([picture, pdf], [link, pdf]) == [pdf, picture]


def test_given_first_in_given_order_rest_in_current_order() -> None:
    assert move_to_front(["a", "b", "c", "d", "e"], ["d", "b"]) == ["d", "b", "a", "c", "e"]


def test_unknown_and_repeated_ids_are_ignored() -> None:
    assert move_to_front(["a", "b", "c"], ["c", "x", "c", "a"]) == ["c", "a", "b"]


def test_nothing_given_or_nothing_there() -> None:
    assert move_to_front(["a", "b"], []) == ["a", "b"]
    assert move_to_front([], ["a"]) == []


def test_a_permutation_of_current() -> None:
    current = [f"id{i}" for i in range(20)]
    result = move_to_front(current, current[::-3])
    assert sorted(result) == sorted(current) and len(result) == len(current)
