"""The post as Markdown or HTML, with optional front matter for Hugo or Jekyll.

Nothing here reads the clock: the post's date is the period's last day, so the same
logs give the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum

from reports.blog import Post, period_text
from reports.escape import for_markdown

CHARTS = (("spam-per-day", "Spam blocked per day"), ("top-spammers", "Top spammers"))
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten")  # fmt: skip


class FrontMatter(StrEnum):
    HUGO = "hugo"
    JEKYLL = "jekyll"
    NONE = "none"


def front_matter(post: Post, style: FrontMatter) -> str:
    # A JSON string is a valid TOML basic string and a valid YAML double-quoted scalar.
    title = json.dumps(post.title, ensure_ascii=False)
    day = post.last_day.isoformat()
    if style is FrontMatter.HUGO:
        return f'+++\ntitle = {title}\ndate = {day}\ntags = ["spam", "postfix"]\n+++\n\n'
    if style is FrontMatter.JEKYLL:
        return f"---\ntitle: {title}\ndate: {day}\ntags: [spam, postfix]\n---\n\n"
    return ""


def top_heading(count: int) -> str:
    word = _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else f"{count:,}"
    return f"top {word} spammers:"


def rule_comment(hits: int, new: bool) -> str:
    blocked = f"{hits:,} blocked this period"
    return f"# new rule, {blocked}" if new else f"# {blocked}"


def tls_sentences(post: Post) -> list[str]:
    tls = post.tls
    if tls is None or not tls.connections:
        return []

    def pct(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "-"

    sentences = []
    if tls.accepted:
        unknown = (
            f" (for {tls.unknown:,} the log does not say: TLS is not logged)" if tls.unknown else ""
        )
        sentences.append(
            f"Of the {tls.accepted:,} messages my server accepted over SMTP, "
            f"{tls.over_tls:,} ({pct(tls.over_tls, tls.accepted)}) came over TLS{unknown}."
        )
    if tls.unlogged:
        sentences.append(
            f"Of the {tls.connections:,} connections, {tls.unlogged:,} "
            f"({pct(tls.unlogged, tls.connections)}) were encrypted (STARTTLS), at a trust "
            f"level the log does not show; {tls.ipv6:,} "
            f"({pct(tls.ipv6, tls.connections)}) came over IPv6."
        )
        return sentences
    sentences.append(
        f"Of the {tls.connections:,} connections, {tls.trusted:,} "
        f"({pct(tls.trusted, tls.connections)}) showed a trusted certificate and "
        f"{tls.anonymous:,} ({pct(tls.anonymous, tls.connections)}) were encrypted "
        f"anonymously or with an untrusted one; {tls.ipv6:,} "
        f"({pct(tls.ipv6, tls.connections)}) came over IPv6."
    )
    return sentences


def _fence(lines: list[str]) -> str:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def markdown(post: Post, style: FrontMatter, chart_links: dict[str, str]) -> str:
    """`chart_links`: chart name → relative file name of the images written beside it."""
    out = [front_matter(post, style) + f"# {for_markdown(post.title)}", "", period_text(post), ""]
    if post.spammers:
        out += [top_heading(len(post.spammers)), ""]
        out += [f"{n}. {for_markdown(s.label)}" for n, s in enumerate(post.spammers, 1)]
    else:
        out.append("No spam was blocked by header_checks or body_checks in this period.")
    if post.rules:
        body = []
        for rule in post.rules:
            body += [rule_comment(rule.hits, rule.new), rule.text]
        fence = _fence(body)
        out += ["", "Blocked via postfix:", "", fence, *body, fence]
    tls = tls_sentences(post)
    if tls:
        out += ["", " ".join(tls)]
    for name, alt in CHARTS:
        if name in chart_links:
            out += ["", f"![{alt}]({chart_links[name]})"]
    return "\n".join(out) + "\n"


def html(post: Post, style: FrontMatter, image_src: Callable[[str], str | None]) -> str:
    from reports.render.templates import environment  # jinja2 only for HTML

    charts = [
        (src, alt)
        for name, alt in (
            ("spam-per-day", "Spam blocked per day"),
            ("top-spammers", "Top spammers"),
        )
        if (src := image_src(name)) is not None
    ]
    page = (
        environment()
        .get_template("blog.html.j2")
        .render(
            post=post,
            period=period_text(post),
            heading=top_heading(len(post.spammers)),
            rules=[(rule_comment(r.hits, r.new), r.text) for r in post.rules],
            tls=" ".join(tls_sentences(post)),
            charts=charts,
        )
    )
    return front_matter(post, style) + page
