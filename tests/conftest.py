"""Every test reads only the Postfix configuration it names: never this machine's.
Hypothesis has no deadline: a shared, busy CI machine is slow, not wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from maillogs import postfix_config

settings.register_profile("maillogs", deadline=None)
settings.load_profile("maillogs")


@pytest.fixture(autouse=True)
def _no_host_postfix_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_POSTFIX_CONFIG", "none")
    # tests that give their own environment: no default main.cf either
    monkeypatch.setattr(postfix_config, "DEFAULT_MAIN_CF", Path("/nonexistent/main.cf"))
