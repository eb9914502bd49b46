"""A realty image is built from its stored row by position: the row's columns and the builder's
parameters must stay in one order, or every list would carry shifted fields without an error."""

from __future__ import annotations

import inspect

from realtymedia.persistence.media import IMAGE_FIELDS
from realtymedia.services import realty_images


def test_image_rows_unpack_into_the_builder_in_their_order() -> None:
    parameters = list(inspect.signature(realty_images._image).parameters)
    assert parameters[:2] == ["core", "base_url"]
    assert tuple(parameters[2:]) == IMAGE_FIELDS
