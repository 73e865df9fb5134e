"""Every chart is rendered with warnings turned into errors."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _strict_warnings() -> Iterator[None]:
    """Any warning raised while rendering is a test failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
