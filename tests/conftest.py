"""Every test reads only the Postfix configuration it names: never this machine's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_host_postfix_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLOGS_POSTFIX_CONFIG", "none")
