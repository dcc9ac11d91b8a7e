"""Log text is written by strangers: make it inert for each output format."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (ESC starts terminal sequences; C1 CSI does too).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What can start a Markdown construct inside a table cell or a line of text: code,
# emphasis, links and images, HTML and autolinks, entities, headings, cell breaks.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(value: object) -> str:
    """Control characters shown as visible escapes (\\x1b), never executed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))


def for_markdown(value: object) -> str:
    """Plain text inside Markdown (and table cells): no links, HTML, emphasis or cell breaks."""
    text = for_terminal(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def for_csv(value: object) -> object:
    """Numbers stay numbers; text that a spreadsheet would run as a formula is quoted."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
