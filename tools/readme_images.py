"""Make the README's pictures from the bundled sample logs.

    python tools/readme_images.py

docs/images/report-tls.svg: the terminal report's TLS section (rich's SVG export).
docs/images/report-html.png: the HTML report as Chromium draws it (needs `chromium`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from maillogs.cli import main  # noqa: E402
from reports.builder import Report  # noqa: E402
from reports.render.html import render as render_html  # noqa: E402
from reports.render.text import export_svg  # noqa: E402

SAMPLE = ROOT / "sample_logs"
ARGS = ["--tz", "UTC", "--year", "2026", "--quiet", "--catchall-domain", "example.org",
        "--header-checks", str(SAMPLE / "header_checks"),
        "--body-checks", str(SAMPLE / "body_checks"), str(SAMPLE / "classic")]  # fmt: skip
IMAGES = ROOT / "docs" / "images"


def report(*sections: str) -> Report:
    chosen = [arg for name in sections for arg in ("--section", name)]
    result = CliRunner().invoke(main, ["report", "--format", "json", *chosen, *ARGS])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return Report(json.loads(result.output))


def main_() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    svg = export_svg(report("tls"), width=92, title="maillogs report --section tls")
    (IMAGES / "report-tls.svg").write_text(svg)
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is needed for the HTML screenshot")
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        page.write_text(render_html(report()))
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=760,1500", f"--screenshot={IMAGES / 'report-html.png'}",
             page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


if __name__ == "__main__":
    main_()
