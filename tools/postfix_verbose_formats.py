"""Write parsers/daemons/verbose_formats.txt: the shapes of Postfix's verbose lines.

Reads Postfix source trees (one per release, e.g. `git archive v3.10.0 postfix/src`
of the vdukhovni/postfix mirror) and takes every msg_info() call that is guarded by
`msg_verbose`, a `*_verbose`/debug flag or a TLS log level in the lines just before it
(what `-v`, `debug_peer_list` and `*_tls_loglevel >= 2` turn on), and every call,
guarded or not, whose format starts with the name of the function that logs it
(`"%s: ...", myname` or a literal `"name_with_underscore: ..."`): Postfix's own
convention for debugging output, often guarded by a caller (deliver_attr_dump,
qmgr_message_sort, smtp_print_addr only run under msg_verbose). Each call's format
string becomes an anchored regex (`%s` → `.*`, numbers → `[-0-9a-fx.]*`); a leading `%s`
that is the function's `myname` becomes that name. Formats with too little literal text
to tell a line apart (`"%s"`, `"%s = %s"`) are left out.

    python tools/postfix_verbose_formats.py SRC_TREE... > parsers/daemons/verbose_formats.txt
"""

from __future__ import annotations

import bisect
import re
import sys
from pathlib import Path

CALL = re.compile(r"\bmsg_info\s*\(")
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
GUARD = re.compile(r"msg_verbose|verbose|debug|DEBUG|log_mask|log_level|loglevel|TLS_LOG_")
MYNAME = re.compile(r'myname(?:\[\])?\s*=\s*"([A-Za-z_][A-Za-z0-9_]*)"')
SPEC = re.compile(r"%[-#0 +']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t|L)?([a-zA-Z%])")
FUNCTION_PREFIX = re.compile(r"[a-z]+_[a-z0-9_]*: ")
MIN_LITERAL = 6


def _call_args(text: str, start: int) -> str:
    depth, index = 1, start
    while index < len(text) and depth:
        char = text[index]
        if char == '"':
            index += 1
            while index < len(text) and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        index += 1
    return text[start : index - 1]


def _format_of(args: str) -> tuple[str, str] | None:
    """(the format string, the text of the arguments after it), or None if not literal."""
    stripped = args.lstrip()
    if not stripped.startswith('"'):
        return None
    parts: list[str] = []
    rest = stripped
    while True:
        match = re.match(r'\s*"((?:[^"\\]|\\.)*)"', rest)
        if match is None:
            break
        parts.append(match.group(1))
        rest = rest[match.end() :]
    return "".join(parts), rest


def _unescape(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal)


def to_regex(fmt: str, first_arg_name: str | None) -> str | None:
    out: list[str] = []
    literal_chars = 0
    position = 0
    first = True
    for match in SPEC.finditer(fmt):
        text = _unescape(fmt[position : match.start()])
        out.append(re.escape(text))
        literal_chars += len(text.strip())
        conversion = match.group(1)
        if conversion == "%":
            out.append("%")
        elif conversion in "sm":
            if first and match.start() == 0 and first_arg_name:
                out.append(re.escape(first_arg_name))
                literal_chars += len(first_arg_name)
            else:
                out.append(".*")
        elif conversion == "c":
            out.append(".")
        else:
            out.append("[-0-9a-fA-Fx.]*")
        if conversion != "%":
            first = False
        position = match.end()
    tail = _unescape(fmt[position:])
    out.append(re.escape(tail))
    literal_chars += len(tail.strip())
    if literal_chars < MIN_LITERAL or "\n" in "".join(out):
        return None
    return "^" + "".join(out).rstrip() + "$"


def formats(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*.c"):
        if "test" in path.name:
            continue
        text = path.read_text(errors="replace")
        line_starts = [0]
        for line in text.split("\n"):
            line_starts.append(line_starts[-1] + len(line) + 1)
        lines = text.split("\n")
        names = [(m.start(), m.group(1)) for m in MYNAME.finditer(text)]
        for call in CALL.finditer(text):
            number = bisect.bisect_right(line_starts, call.start()) - 1
            context = "\n".join(lines[max(0, number - 4) : number + 1])
            parsed = _format_of(_call_args(text, call.end()))
            if parsed is None:
                continue
            fmt, rest = parsed
            first_arg = rest.lstrip(", \n\t").split(",")[0].strip()
            myname = None
            if first_arg == "myname" and fmt.startswith("%s"):
                before = [name for start, name in names if start < call.start()]
                myname = before[-1] if before else None
            named = myname is not None or FUNCTION_PREFIX.match(fmt) is not None
            if not GUARD.search(context) and not named:
                continue
            regex = to_regex(fmt, myname)
            if regex is not None:
                found.add(regex)
    return found


def main() -> None:
    found: set[str] = set()
    for root in sys.argv[1:]:
        found |= formats(Path(root))
    for regex in sorted(found):
        print(regex)


if __name__ == "__main__":
    main()
