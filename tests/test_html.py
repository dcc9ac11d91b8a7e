"""The HTML report: well-formed, self-contained, the report's own numbers, every log
string escaped, charts that are real PNGs, and a page a real browser draws."""

from __future__ import annotations

import html
import json
import os
import shutil
import struct
import subprocess
import threading
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from maillogs.cli import main
from reports.builder import Report
from reports.charts import report_charts
from reports.render.html import render

SAMPLE = Path(__file__).parents[1] / "sample_logs"
TRUTH = json.loads((SAMPLE / "truth.json").read_text())
ARGS = ["--tz", "UTC", "--year", "2026", "--quiet", "--catchall-domain", "example.org",
        "--header-checks", str(SAMPLE / "header_checks"),
        "--body-checks", str(SAMPLE / "body_checks"), str(SAMPLE / "classic")]  # fmt: skip
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@cache
def sample_report() -> Report:
    result = CliRunner().invoke(main, ["report", "--format", "json", *ARGS])
    assert result.exit_code == 0, result.output
    return Report(json.loads(result.output))


@cache
def sample_html() -> str:
    return render(sample_report())


class StrictParser(HTMLParser):
    """Fails on unbalanced or misnested tags; collects every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "srcset")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser


def test_html_is_well_formed_and_self_contained() -> None:
    page = sample_html()
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert parsed.urls, "the charts are images"
    assert all(url.startswith(("data:image/png;base64,", "#")) for url in parsed.urls)
    assert "url(" not in page and "@import" not in page


def test_html_shows_the_reports_numbers() -> None:
    text = " ".join(parse(sample_html()).text)
    overview = TRUTH["overview"]
    for what in ("received", "rejected", "delivered"):
        assert f"{overview[what]:,}" in text
    assert "adsgreece.com" in text  # the label of header_checks rule id= 8


def test_charts_are_pngs_of_the_chosen_size() -> None:
    charts = report_charts(sample_report())
    assert [c.name for c in charts] == [
        "traffic-per-day", "tls-share", "spam-per-day", "spf-results", "top-spammers"
    ]  # fmt: skip
    for chart in charts:
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
        width, _height = struct.unpack(">II", chart.png[16:24])
        assert width == 800
        assert chart.svg.lstrip().startswith("<?xml")
        assert chart.alt.startswith(chart.title)


def test_mail_per_day_draws_the_overview_totals() -> None:
    chart = report_charts(sample_report())[0]
    overview = sample_report().data["overview"]
    assert overview["received"] == 1165  # pflogsumm's, tests/pflogsumm/sample_classic.txt
    late = overview["deferrals"] + overview["bounced"]
    assert chart.alt == (
        "Mail per day, 2026-11-22 to 2026-11-24: "
        f"received {overview['received']:,} in all; delivered {overview['delivered']:,} in all; "
        f"rejected {overview['rejected']:,} in all; deferred or bounced {late} in all"
    )


def test_charts_are_deterministic() -> None:
    first = [(c.png, c.svg) for c in report_charts(sample_report())]
    again = [(c.png, c.svg) for c in report_charts(Report(json.loads(json.dumps(
        sample_report().data))))]  # fmt: skip
    assert first == again


def test_timeline_sums_to_the_report_totals() -> None:
    data = sample_report().data
    days = data["timeline"]["days"]
    assert [d["date"] for d in days] == sorted(TRUTH["overview"]["by_day"])
    assert sum(d["inbound"]["connections"] for d in days) == TRUTH["overview"]["connections"]
    assert sum(d["received"] for d in days) == data["overview"]["received"]
    tls_in = data["tls"]["inbound"]["by_level"]
    assert sum(d["inbound"]["tls"] for d in days) == sum(tls_in.values()) - tls_in.get("none", 0)
    tls_out = data["tls"]["outbound"]["by_level"]
    assert sum(d["outbound"]["attempts"] for d in days) == sum(tls_out.values())
    for part in ("header_checks", "body_checks"):
        totals: dict[str, int] = {}
        for day in days:
            for rule_id, count in day[f"{part}_reject_by_id"].items():
                totals[rule_id] = totals.get(rule_id, 0) + count
        assert totals == TRUTH[part]["reject_by_id"]
    spf: dict[str, int] = {}
    for day in days:
        for result, count in day["spf"].items():
            spf[result] = spf.get(result, 0) + count
    assert spf == TRUTH["spf"]["by_identity"]["mailfrom"]


def test_report_command_writes_html_and_chart_files(tmp_path: Path) -> None:
    out, charts = tmp_path / "report.html", tmp_path / "charts"
    result = CliRunner().invoke(
        main, ["report", "--format", "html", "-o", str(out), "--charts", str(charts), *ARGS]
    )
    assert result.exit_code == 0, result.output
    parse(out.read_text())
    names = sorted(p.name for p in charts.iterdir())
    assert names == [
        "spam-per-day.png", "spf-results.png", "tls-share.png", "top-spammers.png",
        "traffic-per-day.png",
    ]  # fmt: skip


# --- a real browser -------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def _record(self) -> None:
        _Recorder.seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_GET = do_CONNECT = do_POST = _record

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recording_proxy() -> Iterator[tuple[str, list[str]]]:
    """Every request the browser makes goes through this proxy and is recorded."""
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _screenshot(page: Path, shot: Path, proxy: str) -> None:
    subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", f"--proxy-server=http://{proxy}",
         "--proxy-bypass-list=<-loopback>", "--window-size=900,2400",
         f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def _browser_own(path: str) -> bool:
    """Chromium's own background calls (clock, accounts), whatever page it shows."""
    host = path.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host == "google.com" or host.endswith((".google.com", ".googleapis.com", ".gvt1.com"))


def _distinct_colours(png: Path) -> int:
    from matplotlib.image import imread

    pixels = imread(png)[:, :, :3].reshape(-1, 3)
    return len({tuple(p) for p in pixels[:: max(1, len(pixels) // 20000)].tolist()})


def test_chromium_draws_the_page_without_network(
    tmp_path: Path, recording_proxy: tuple[str, list[str]]
) -> None:
    proxy, seen = recording_proxy
    page, shot = tmp_path / "report.html", tmp_path / "shot.png"
    page.write_text(sample_html())
    _screenshot(page, shot, proxy)
    assert [path for path in seen if not _browser_own(path)] == []
    assert _distinct_colours(shot) > 50  # charts and text, not a blank page


def test_the_network_check_sees_a_fetch(
    tmp_path: Path, recording_proxy: tuple[str, list[str]]
) -> None:
    proxy, seen = recording_proxy
    page, shot = tmp_path / "fetching.html", tmp_path / "shot.png"
    page.write_text('<!DOCTYPE html><img src="http://fetch.example.test/x.png">')
    _screenshot(page, shot, proxy)
    assert any("fetch.example.test" in path for path in seen)


def test_log_text_in_a_chart_is_never_mathtext() -> None:
    from reports.charts import bar_chart

    # Unbalanced mathtext would raise if matplotlib parsed it.
    chart = bar_chart("x", "t", [r"x$\frac{$y.test", "a$b$c.test"], [3, 1], xlabel="n", ylabel="")
    assert chart.png.startswith(b"\x89PNG") and "a$b$c.test" in chart.alt


def test_a_table_of_contents_links_every_section() -> None:
    page = sample_html()
    parsed = parse(page)
    links = [url for url in parsed.urls if url.startswith("#") and url != "#top"]
    ids = [f"#{slug}" for slug in ("charts", "overview", "tls", "spammers", "problems", "parse")]
    assert set(ids) <= set(links)
    for link in links:
        assert f'id="{link[1:]}"' in page, link


# Injected into a copy of the page under test only (the report itself has no script):
# how wide the page is drawn, and what sticks out of the screen outside a box that
# scrolls on its own (tables and charts).
_MEASURE = """<script>
const view = window.innerWidth;
const wide = [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > view + 1 && !e.closest(".scroll, .chart"))
  .map(e => e.tagName + "." + e.className).slice(0, 5);
const small = [...document.querySelectorAll("td, th, p, li, h3")]
  .filter(e => parseFloat(getComputedStyle(e).fontSize) < 11).length;
const scale = Math.min(...[...document.querySelectorAll(".chart img")]
  .map(e => e.getBoundingClientRect().width / e.naturalWidth));
const page = document.documentElement.scrollWidth;
document.title = JSON.stringify({page, view, wide, small, scale});
</script></body>"""


@pytest.mark.parametrize("width", [400, 900])
def test_the_page_fits_a_phone_and_a_desktop(tmp_path: Path, width: int) -> None:
    # headless Chromium's window is 500 px at least: a phone is a frame inside it
    page = (
        sample_html()
        .replace("</body>", _MEASURE)
        .replace("document.title", "parent.document.title")
    )
    harness = tmp_path / "phone.html"
    harness.write_text(
        f'<!DOCTYPE html><title>-</title><iframe width="{width}" height="1200" '
        f'style="border:0" srcdoc="{html.escape(page, quote=True)}"></iframe>'
    )
    done = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--window-size=1000,1400",
         "--dump-dom", harness.as_uri()],
        check=True, capture_output=True, timeout=120, text=True,
    )  # fmt: skip
    title = done.stdout.split("<title>", 1)[1].split("</title>", 1)[0]
    measured = json.loads(html.unescape(title))
    assert measured["view"] == width
    assert measured["page"] <= width, measured  # no sideways scrolling of the whole page
    assert measured["wide"] == [], measured
    assert measured["small"] == 0, measured  # no text under 11 px
    # a chart's words (12.5 px at its own size) drawn at 9 px or more
    assert measured["scale"] >= 0.72, measured
