"""docs/config.md shows the example config the tests load, word for word."""

import re
from pathlib import Path

from test_config import EXAMPLE


def test_docs_example_is_the_tested_one() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "config.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", docs, re.DOTALL)
    assert block is not None
    assert block.group(1).strip() == EXAMPLE.strip()
