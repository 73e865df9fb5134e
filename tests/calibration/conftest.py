"""Shared fixtures of the calibration tests."""

from __future__ import annotations

import calib_synth as cs
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def params() -> cs.SynthParams:
    """Known parameters of the synthetic centre-year."""
    return cs.SynthParams()


@pytest.fixture(scope="session")
def year_log(params: cs.SynthParams) -> pd.DataFrame:
    """A synthetic centre-year ticket log (about 57,000 rows)."""
    return cs.ticket_log(params, seed=1)
