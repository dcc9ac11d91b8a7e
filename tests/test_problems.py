# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""The problems section: warnings grouped by shape, the worst first; failed connections;
smtpd sessions that ended badly; TLS handshake failures; postscreen; master."""

from __future__ import annotations

from typing import Any

from tests.line_report import report_lines
from tests.test_sample_logs import TRUTH, classic


def test_sample_logs_problems_equal_truth() -> None:
    problems: dict[str, Any] = classic()[0].data["problems"]
    smtpd = TRUTH["smtpd"]
    assert problems["session_errors"] == {
        "lost_connection": smtpd["lost_after_starttls"],
        "timeout": 0,
        "too_many_errors": smtpd["too_many_errors"],
        "improper_pipelining": smtpd["pipelining"],
        "non_smtp_command": smtpd["non_smtp_command"],
    }
    assert problems["lost_connection_after"] == {"STARTTLS": smtpd["lost_after_starttls"]}
    assert problems["tls_failures"]["inbound"] == smtpd["handshake_failures"]
    # the generator's one destination with a self-signed certificate, tried twice
    assert problems["tls_failures"]["outbound"] == 2
    assert [(r["direction"], r["error"], r["count"]) for r in problems["tls_failures"]["by_error"]][
        -1
    ] == ("outbound", "self-signed certificate", 2)
    # the generator's destination that refuses connections: its 4 deferrals
    deferred = TRUTH["deliveries"]["by_status"]["deferred"]
    assert [(r["error"], r["peer_host"], r["count"]) for r in problems["delivery_failures"]] == [
        ("Connection refused", "mx.refused.test", 4)
    ]
    assert deferred == 8  # 4 refused, 2 unencrypted, 2 unverified
    assert problems["logs"]["by_severity"]["warning"] == classic()[0].data["overview"]["warnings"]
    assert {(r["program"], r["action"]) for r in problems["master"]} == {
        ("postfix/master", "daemon started"),
        ("postfix/master", "terminating on signal 15"),
        ("postfix/postfix-script", "starting the Postfix mail system"),
        ("postfix/postfix-script", "stopping the Postfix mail system"),
    }


# Message formats from the Postfix sources: smtpd_peer.c ("hostname %s does not resolve
# to address %s"), smtp_connect.c ("connect to %s[%s]:%d: %m"), msg_fatal/msg_panic.
LINES = """\
Nov 20 10:00:00 mx postfix/smtpd[10]: warning: hostname a.test does not resolve to address 192.0.2.1: Name or service not known
Nov 20 10:00:01 mx postfix/smtpd[10]: warning: hostname a.test does not resolve to address 192.0.2.2: Name or service not known
Nov 20 10:00:02 mx postfix/smtpd[11]: warning: hostname b.test does not resolve to address 192.0.2.3: Name or service not known
Nov 20 10:00:03 mx postfix/cleanup[12]: fatal: open database /etc/postfix/header_checks.db: No such file or directory
Nov 20 10:00:04 mx postfix/qmgr[13]: panic: myfree: corrupt or unallocated memory block
Nov 20 10:00:05 mx postfix/smtp[14]: connect to mx.far.test[192.0.2.9]:25: Connection timed out
Nov 20 10:00:06 mx postfix/smtp[14]: connect to mx.far.test[2001:db8::9]:25: Connection timed out
Nov 20 10:00:07 mx postfix/smtp[15]: connect to mx.other.test[192.0.2.10]:25: Connection refused
Nov 20 10:00:08 mx postfix/postscreen[16]: PASS NEW [192.0.2.20]:40000
Nov 20 10:00:09 mx postfix/postscreen[16]: PASS OLD [192.0.2.21]:40001
Nov 20 10:00:10 mx postfix/postscreen[16]: PASS OLD [192.0.2.22]:40002
Nov 20 10:00:11 mx postfix/postscreen[16]: PREGREET 11 after 0.04 from [192.0.2.23]:40003: EHLO User\\r\\n
Nov 20 10:00:12 mx postfix/master[1]: reload -- version 3.7.11, configuration /etc/postfix
Nov 20 10:00:13 mx postfix/smtpd[17]: lost connection after DATA (0 bytes) from c.test[192.0.2.30]
Nov 20 10:00:14 mx postfix/smtpd[17]: lost connection after DATA (1234 bytes) from c.test[192.0.2.30]
Nov 20 10:00:15 mx postfix/smtpd[17]: timeout after END-OF-MESSAGE from c.test[192.0.2.30]
"""


def test_problems_from_lines() -> None:
    data, parser = report_lines(LINES, 2026, sections=("problems",))
    assert parser.stats.unparsed_by_program == {}
    problems = data["problems"]
    logs = problems["logs"]
    assert logs["by_severity"] == {"panic": 1, "fatal": 1, "error": 0, "warning": 3}
    # the worst first, then the most frequent; addresses, host names and numbers blanked
    assert [(r["severity"], r["program"], r["text"], r["count"]) for r in logs["top"]] == [
        ("panic", "postfix/qmgr", "myfree: corrupt or unallocated memory block", 1),
        (
            "fatal",
            "postfix/cleanup",
            "open database /etc/postfix/header_checks.db: No such file or directory",
            1,
        ),
        (
            "warning",
            "postfix/smtpd",
            "hostname ... does not resolve to address N: Name or service not known",
            3,
        ),
    ]
    assert logs["top"][2]["first_seen"] == "2026-11-20T10:00:00+00:00"
    assert logs["top"][2]["last_seen"] == "2026-11-20T10:00:02+00:00"
    assert [(r["error"], r["peer_host"], r["count"]) for r in problems["delivery_failures"]] == [
        ("Connection timed out", "mx.far.test", 2),
        ("Connection refused", "mx.other.test", 1),
    ]
    assert problems["postscreen"] == {"PASS OLD": 2, "PASS NEW": 1, "PREGREET": 1}
    assert [(r["action"], r["count"]) for r in problems["master"]] == [("reload", 1)]
    assert problems["session_errors"]["lost_connection"] == 2
    assert problems["session_errors"]["timeout"] == 1
    # "DATA (0 bytes)" and "DATA (1234 bytes)" are one command
    assert problems["lost_connection_after"] == {"DATA": 2}


def test_a_hostile_warning_is_data_not_markup() -> None:
    line = "Nov 20 10:00:00 mx postfix/smtpd[10]: warning: Illegal address syntax from <script>x</script>[192.0.2.1] in MAIL command: |=cmd\x1b[31m\n"
    data, _ = report_lines(line, 2026, sections=("problems",))
    texts = [r["text"] for r in data["problems"]["logs"]["top"]]
    assert len(texts) == 1 and texts[0].endswith("|=cmd\x1b[31m")


# smtpd_peer.c ("%s: address not listed for hostname %s"), master_spawn.c (the process
# limit): eleven clients' warnings of one shape, and master's one warning after them.
MANY_HOSTS = "".join(
    f"Nov 20 10:00:{n:02d} mx postfix/smtpd[{n + 100}]: warning: 192.0.2.{n}: address not listed for hostname mail{n}.client{n}.test\n"
    for n in range(11)
) + (
    'Nov 20 10:01:00 mx postfix/master[1]: warning: service "smtp" (25) has reached its process limit "100": new clients may experience noticeable delays\n'
    "Nov 20 10:01:01 mx postfix/smtpd[9]: warning: hostname mx.a-b.example does not resolve to address 2001:db8::1\n"
    "Nov 20 10:01:02 mx postfix/cleanup[8]: warning: open /etc/postfix/main.cf: No such file or directory\n"
)


def test_warnings_differing_only_in_host_names_group_as_one() -> None:
    data, _ = report_lines(MANY_HOSTS, 2026, sections=("problems",))
    top = [(r["program"], r["text"], r["count"]) for r in data["problems"]["logs"]["top"]]
    assert top == [
        ("postfix/smtpd", "N: address not listed for hostname ...", 11),
        ("postfix/cleanup", "open /etc/postfix/main.cf: No such file or directory", 1),
        (
            "postfix/master",
            'service "smtp" (N) has reached its process limit "N": new clients may experience noticeable delays',
            1,
        ),
        ("postfix/smtpd", "hostname ... does not resolve to address N:db8::N", 1),
    ]
