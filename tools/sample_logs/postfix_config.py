"""main.cf, master.cf and tables of the two Postfix instances: "mx" (the user's server)
and "sink" (every remote server mx delivers to)."""

from __future__ import annotations

from pathlib import Path

from world import (
    BLOCKED_NETWORK,
    BOUNCING_RECIPIENT,
    CATCHALL,
    LOCAL_USERS,
    MX_NAME,
    MX_V4,
    MX_V6,
    NEXTHOP_ADDRESS,
    OUTBOUND,
    RBL_ZONE,
    SINK_ADDRESSES,
    SINK_V6,
    UNKNOWN_ALIAS_DOMAIN,
    VMAIL_DOMAIN,
    World,
)

# The user's rules, in the user's own style (see the "greek spammers" posts).
HEADER_CHECKS = r"""# header_checks (pcre) — ids as in the blog posts
/massnews\.gr/                  REJECT  "Plz stop sending SPAM id= 1 "
/from.*mailendo.com/            REJECT  "Plz stop sending SPAM id= 5 "
/specisoft\.biz/                REJECT  "Plz stop sending SPAM id= 6 "
/adsgreece\.com/                REJECT  "Plz stop sending SPAM id= 8 "
/nfs\.gr/                       REJECT  "Plz stop sending SPAM id= 10 "
/eliamep\.org/                  REJECT  "Plz stop sending SPAM id= 12 "
/globalgreece\.gr/      REJECT  "Plz stop sending SPAM id= 22 "
/mailinglist\.gr/       REJECT  "Plz stop sending SPAM id= 24 "
/4udeals\.gr/           REJECT  "Plz stop sending SPAM id=31"
/^Subject:.*lottery/            WARN suspicious lottery subject
/^X-Mailer:.*BulkBlaster/       DISCARD bulk mailer id=90
/^Subject:.*\[hold-for-review\]/ HOLD held for review
"""

BODY_CHECKS = r"""# body_checks (pcre)
/casino bonus/                  REJECT "Plz stop sending SPAM id= 70 "
/cheap pills/                   REJECT "Plz stop sending SPAM id=71"
"""


def _table(path: Path, rows: dict[str, str] | list[tuple[str, str]]) -> str:
    items = rows.items() if isinstance(rows, dict) else rows
    path.write_text("".join(f"{key}\t{value}\n" for key, value in items))
    return f"texthash:{path}"


def mx_main_cf(world: World) -> str:
    d = world.path("mx")
    certs = world.certs
    virtual = _table(
        d / "virtual",
        [
            (f"list@{CATCHALL}", f"alice@{MX_NAME}, bob@{MX_NAME}"),
            (f"@{CATCHALL}", f"me@{MX_NAME}"),
            (f"postmaster@{UNKNOWN_ALIAS_DOMAIN}", f"me@{MX_NAME}"),
        ],
    )
    vmailboxes = _table(
        d / "vmailbox", {f"user{i}@{VMAIL_DOMAIN}": f"{VMAIL_DOMAIN}/user{i}/" for i in range(1, 4)}
    )
    transport = _table(
        d / "transport",
        {domain: f"smtp:[{host}]:{port}" for domain, (host, port, _) in OUTBOUND.items()},
    )
    tls_policy = _table(
        d / "tls_policy",
        {f"[{host}]:{port}": policy for host, port, policy in OUTBOUND.values() if policy},
    )
    client_access = d / "client_access"
    client_access.write_text(f"{BLOCKED_NETWORK}\tREJECT\n")
    (d / "header_checks").write_text(HEADER_CHECKS)
    (d / "body_checks").write_text(BODY_CHECKS)
    return f"""\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
alternate_config_directories = {world.path("sink")}
myhostname = {MX_NAME}
mydomain = example.net
myorigin = $myhostname
mydestination = $myhostname, localhost
inet_interfaces = {MX_V4}, {MX_V6}
inet_protocols = all
mynetworks = 127.0.0.1/32 [::1]/128
smtp_address_preference = ipv6
smtpd_banner = $myhostname ESMTP The sky above the port was the color of television
alias_maps =
alias_database =
local_recipient_maps = proxy:unix:passwd.byname
mail_spool_directory = {world.path("mail")}
virtual_alias_domains = {CATCHALL}, {UNKNOWN_ALIAS_DOMAIN}
virtual_alias_maps = {virtual}
virtual_mailbox_domains = {VMAIL_DOMAIN}
virtual_mailbox_maps = {vmailboxes}
virtual_mailbox_base = {world.path("vmail")}
virtual_uid_maps = static:{world.uid}
virtual_gid_maps = static:{world.gid}
transport_maps = {transport}
smtp_tls_policy_maps = {tls_policy}
header_checks = pcre:{d}/header_checks
body_checks = pcre:{d}/body_checks
smtpd_tls_cert_file = {certs}/mx.pem
smtpd_tls_key_file = {certs}/mx.key
smtpd_tls_CAfile = {certs}/ca.pem
smtpd_tls_ask_ccert = yes
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtp_tls_CAfile = {certs}/ca.pem
smtp_tls_security_level = may
smtp_tls_loglevel = 1
smtp_tls_connection_reuse = no
smtpd_helo_required = yes
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
    reject_unlisted_recipient,
    check_client_access cidr:{client_access},
    reject_rbl_client {RBL_ZONE},
    reject_unknown_sender_domain,
    check_policy_service unix:private/policyd-spf
unknown_address_reject_code = 550
policyd-spf_time_limit = 3600
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 3
smtpd_hard_error_limit = 4
smtpd_timeout = 30s
queue_run_delay = 99d
minimal_backoff_time = 99d
maximal_backoff_time = 99d
maximal_queue_lifetime = 99d
bounce_queue_lifetime = 99d
smtp_connect_timeout = 5s
delay_warning_time = 0
biff = no
"""


MASTER_SERVICES = """\
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def mx_master_cf(world: World) -> str:
    spf_conf = world.path("mx", "policyd-spf.conf")
    return MASTER_SERVICES + (
        "policyd-spf unix -     n       n       -       0       spawn\n"
        f"  user=nobody argv=/usr/bin/policyd-spf {spf_conf}\n"
    )


def policyd_spf_conf() -> str:
    # Debian's default skips 127.0.0.0/8 and ::1: every client here is loopback.
    return """\
debugLevel = 1
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
skip_addresses = 192.0.2.255/32
Lookup_Time = 5
"""


def sink_main_cf(world: World) -> str:
    d = world.path("sink")
    relay_domains = " ".join(sorted(OUTBOUND))
    access = _table(d / "recipient_access", {BOUNCING_RECIPIENT: "550 5.1.1 no such user here"})
    listen = ", ".join([*SINK_ADDRESSES.values(), SINK_V6])
    return f"""\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-sink
myhostname = sink.example.com
mydestination =
inet_interfaces = {listen}
inet_protocols = all
mynetworks = 127.0.0.1/32
relay_domains = {relay_domains}
default_transport = discard
relay_transport = discard
smtpd_relay_restrictions = check_recipient_access {access}, permit_auth_destination, reject
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_cert_file = {world.certs}/sink.pem
smtpd_tls_key_file = {world.certs}/sink.key
smtpd_error_sleep_time = 0
biff = no
"""


def sink_master_cf(world: World) -> str:
    certs = world.certs
    ca, self_signed = SINK_ADDRESSES["ca"], SINK_ADDRESSES["selfsigned"]
    anonymous, plain, v6 = (
        SINK_ADDRESSES["anonymous"],
        SINK_ADDRESSES["plain"],
        SINK_ADDRESSES["v6"],
    )
    services = [
        line for line in MASTER_SERVICES.splitlines() if not line.startswith("smtp      inet")
    ]
    listeners = [
        f"{ca}:25 inet n - n - - smtpd",
        f"{ca}:2525 inet n - n - - smtpd",
        f"{self_signed}:25 inet n - n - - smtpd -o smtpd_tls_cert_file={certs}/selfsigned.pem"
        f" -o smtpd_tls_key_file={certs}/selfsigned.key",
        # Only anonymous (aNULL) cipher suites, which TLSv1.3 does not have.
        f"{anonymous}:25 inet n - n - - smtpd -o tls_high_cipherlist=aNULL:@SECLEVEL=0"
        " -o smtpd_tls_ciphers=high -o smtpd_tls_protocols=!SSLv2,!SSLv3,!TLSv1.3",
        f"{plain}:25 inet n - n - - smtpd -o smtpd_tls_security_level=none",
        f"{v6}:25 inet n - n - - smtpd",
        f"[{SINK_V6}]:25 inet n - n - - smtpd",
    ]
    return "\n".join([*services, *listeners]) + "\n"


def write_all(world: World) -> None:
    for name in ("mx", "sink"):
        for sub in ("queue", "data"):
            world.path(name, sub).mkdir(parents=True, exist_ok=True)
    world.path("mx", "main.cf").write_text(mx_main_cf(world))
    world.path("mx", "master.cf").write_text(mx_master_cf(world))
    world.path("mx", "policyd-spf.conf").write_text(policyd_spf_conf())
    world.path("sink", "main.cf").write_text(sink_main_cf(world))
    world.path("sink", "master.cf").write_text(sink_master_cf(world))


# The tables main.cf names (and the extra runs add), shipped beside it.
SHIPPED = (
    "master.cf",
    "header_checks",
    "body_checks",
    "virtual",
    "vmailbox",
    "transport",
    "tls_policy",
    "client_access",
    "postscreen_access",
)
SHOWN_ROOT = "/srv/maillogs-world"


def ship_config(world: World, out: Path, as_run: bool = False) -> None:
    """main.cf and its tables as the server read them. Inside the namespace the mx's
    directory is /etc/postfix, and the main run's tables are shown there, the rest of
    its work directory as SHOWN_ROOT; the extra runs (as_run) already ran at SHOWN_ROOT,
    whose paths their verbose lines show, and keep every path as it was."""
    mx = world.path("mx")
    out.mkdir(parents=True, exist_ok=True)

    def portable(text: str) -> str:
        if as_run:
            return text
        return text.replace(str(mx), "/etc/postfix").replace(str(world.root), SHOWN_ROOT)

    for name in ("main.cf", *SHIPPED):
        if (mx / name).exists():
            (out / name).write_text(portable((mx / name).read_text()))


def main() -> None:
    """Write the main run's configuration without running Postfix (it depends only on
    the code): python3 tools/sample_logs/postfix_config.py sample_logs/postfix"""
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        world = World(root=Path(root))
        world.uid = world.gid = 2001
        write_all(world)
        ship_config(world, Path(sys.argv[1]))


if __name__ == "__main__":
    main()


__all__ = ["LOCAL_USERS", "NEXTHOP_ADDRESS", "ship_config", "write_all"]
