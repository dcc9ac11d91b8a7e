"""Every test reads only the Postfix configuration it names: never this machine's."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillogs import postfix_config


@pytest.fixture(autouse=True)
def _no_host_postfix_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_POSTFIX_CONFIG", "none")
    # tests that give their own environment: no default main.cf either
    monkeypatch.setattr(postfix_config, "DEFAULT_MAIN_CF", Path("/nonexistent/main.cf"))
