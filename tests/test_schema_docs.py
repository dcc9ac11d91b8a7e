"""Every event kind and column in parsers/schema.py is documented in docs/events.md."""

from pathlib import Path

from parsers.schema import COMMON, KIND_COLUMNS, EventKind

DOC = (Path(__file__).parents[1] / "docs" / "events.md").read_text(encoding="utf-8")


def test_every_kind_and_column_is_documented() -> None:
    missing = [f"kind {kind.value}" for kind in EventKind if f"| `{kind.value}` |" not in DOC]
    for kind, columns in KIND_COLUMNS.items():
        row = next(
            (line for line in DOC.splitlines() if line.startswith(f"| `{kind.value}` |")), ""
        )
        for column in columns:
            if column in {"client_host", "client_ip"} and "client columns" in row:
                continue
            if column in {"tls_level", "tls_protocol", "tls_cipher"} and "TLS columns" in row:
                continue
            if f"`{column}`" not in row and not (column == "ip_family" and "client columns" in row):
                missing.append(f"{kind.value}.{column}")
    missing += [f"common.{column}" for column in COMMON if f"| `{column}` |" not in DOC]
    assert missing == []
