"""The Realty Image rules without any server: the full-list rule, the 200 limit, field rules."""

from __future__ import annotations

import pytest

from realtymedia.api.realty_image.errors import word
from realtymedia.domain import codes
from realtymedia.domain import realty_images as rules
from realtymedia.domain.ordering import check_full_list


def test_the_exact_list_in_any_order_is_accepted() -> None:
    assert check_full_list(["a", "b", "c"], ["c", "a", "b"]) == []
    assert check_full_list([], []) == []


def test_missing_unknown_and_repeated_ids_are_each_named() -> None:
    violations = check_full_list(["a", "b", "c"], ["c", "x", "c"])
    found = {(word(v.parts), v.value, v.code) for v in violations}
    assert found == {
        ("realtyImages[1].id", "x", codes.INVALID_VALUE),
        ("realtyImages[2].id", "c", codes.DUPLICATE),
        ("realtyImages", "a", codes.MANDATORY_FIELD_EMPTY),
        ("realtyImages", "b", codes.MANDATORY_FIELD_EMPTY),
    }
    assert all(v.message for v in violations)


def test_a_repeated_unknown_id_is_reported_once_as_unknown_then_as_repeated() -> None:
    violations = check_full_list(["a"], ["a", "x", "x"])
    assert [(word(v.parts), v.code) for v in violations] == [
        ("realtyImages[1].id", codes.INVALID_VALUE),
        ("realtyImages[2].id", codes.DUPLICATE),
    ]


def test_same_length_with_a_swap_of_known_for_unknown_is_refused() -> None:
    assert check_full_list(["a", "b"], ["a", "z"]) != []
    assert check_full_list(["a", "b"], ["a", "a"]) != []


@pytest.mark.parametrize(
    ("existing", "adding", "ok"), [(0, 200, True), (199, 1, True), (200, 1, False), (1, 200, False)]
)
def test_a_realty_holds_at_most_200_images(existing: int, adding: int, ok: bool) -> None:
    violations = rules.check_capacity(existing, adding, ("uploads",))
    assert (violations == []) is ok
    if not ok:
        assert violations[0].parts == ("uploads",) and word(violations[0].parts) == "uploadedImages"
        assert violations[0].code == codes.NUMBER_OF_ITEMS_EXCEEDED
        assert "200" in violations[0].message


def test_descriptions() -> None:
    assert rules.check_description(None, ("d",)) == []
    assert rules.check_description("Living room with a view – 3rd floor, 45 m²!", ("d",)) == []
    assert rules.check_description("a\r\nSet-Cookie: x=y", ("d",))[0].code == codes.INVALID_CHARACTERS
    assert rules.check_description("tab\there", ("d",))[0].code == codes.INVALID_CHARACTERS
    assert rules.check_description("x" * rules.DESCRIPTION_MAX, ("d",)) == []
    too_long = rules.check_description("x" * (rules.DESCRIPTION_MAX + 1), ("d",))
    assert too_long[0].code == codes.LENGTH_EXCEEDED_OR_TOO_SMALL
    assert rules.check_description("nul\x00", ("d",))[0].code == codes.INVALID_CHARACTERS


def test_names() -> None:
    assert rules.check_name("") == []
    assert rules.check_name("x" * 201)[0].parts == ("name",)
    assert rules.check_name("bell\x07")[0].code == codes.INVALID_CHARACTERS


def test_grants_admit_the_vendors_image_types() -> None:
    assert rules.GRANT_CONTENT_TYPES == ("image/jpeg", "image/png", "image/webp")


def test_paths_are_the_domains_names_and_the_dialect_words_them() -> None:
    assert [word(p) for p in [("uploads", 3, "key"), ("images", 0, "id"), ("source",), ("content_type",)]] == [
        "uploadedImages[3].key",
        "realtyImages[0].id",
        "sourceRealtyId",
        "type",
    ]
