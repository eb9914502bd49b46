"""Properties of the two order rules (domain/ordering.py), for any lists hypothesis can think of."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from realtymedia.domain import codes
from realtymedia.domain.ordering import check_full_list, move_to_front

# Small alphabets make collisions (repeats, ids shared by `current` and `given`) common.
ids = st.sampled_from([f"id-{n}" for n in range(12)]) | st.uuids().map(str)
current_lists = st.lists(ids, unique=True, max_size=30)
given_lists = st.lists(ids, max_size=40)


@given(current_lists, given_lists)
def test_move_to_front_keeps_every_item_once(current: list[str], given_ids: list[str]) -> None:
    result = move_to_front(current, given_ids)
    assert sorted(result) == sorted(current)  # no gap, no duplicate, nothing foreign
    assert len(set(result)) == len(result)


@given(current_lists, given_lists)
def test_given_ids_come_first_in_given_order(current: list[str], given_ids: list[str]) -> None:
    result = move_to_front(current, given_ids)
    expected_front = []
    for item in given_ids:
        if item in current and item not in expected_front:
            expected_front.append(item)
    assert result[: len(expected_front)] == expected_front
    rest = result[len(expected_front) :]
    assert rest == [item for item in current if item not in expected_front]  # the rest keep their order


@given(current_lists, given_lists)
def test_move_to_front_is_idempotent(current: list[str], given_ids: list[str]) -> None:
    once = move_to_front(current, given_ids)
    assert move_to_front(once, given_ids) == once


@given(current_lists, st.lists(st.uuids().map(str), max_size=10))
def test_unknown_ids_change_nothing(current: list[str], unknown: list[str]) -> None:
    unknown = [u for u in unknown if u not in current]
    assert move_to_front(current, unknown) == list(current)
    assert move_to_front(current, []) == list(current)


@given(current_lists, st.randoms(use_true_random=False))
def test_full_list_accepts_exactly_the_permutations(current: list[str], random: object) -> None:
    shuffled = list(current)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert check_full_list(current, shuffled) == []


@given(current_lists, given_lists)
def test_full_list_names_every_fault(current: list[str], given_ids: list[str]) -> None:
    violations = check_full_list(current, given_ids)
    is_permutation = len(given_ids) == len(set(given_ids)) and set(given_ids) == set(current)
    assert (violations == []) == is_permutation
    by_code: dict[str, list[object]] = {}
    for violation in violations:
        by_code.setdefault(violation.code, []).append(violation.value)
    duplicates = len(given_ids) - len(set(given_ids))
    assert len(by_code.get(codes.DUPLICATE, [])) == duplicates
    unknown = [item for item in dict.fromkeys(given_ids) if item not in current]
    assert sorted(by_code.get(codes.INVALID_VALUE, [])) == sorted(unknown)  # type: ignore[type-var]
    missing = [item for item in current if item not in given_ids]
    assert by_code.get(codes.MANDATORY_FIELD_EMPTY, []) == missing
    assert all(v.message for v in violations)  # every fault says what is wrong in words
