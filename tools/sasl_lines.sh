#!/usr/bin/env bash
# Real Postfix SASL lines (tests/sasl/maillog, tests/corpus/sasl.jsonl): a Postfix 3.7
# smtpd with Cyrus SASL (sasldb, PLAIN and LOGIN) in namespaces of its own, driven by
# Python's smtplib over loopback: logins that succeed, fail and are given up, with and
# without STARTTLS. Prints the log Postfix wrote (maillog_file).
#
#   sudo bash tools/sasl_lines.sh > tests/sasl/maillog
#
# Needs postfix and sasl2-bin (saslpasswd2). Nothing leaves the network namespace (its only
# interface is its own lo); the host's /etc/postfix is not used.
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "sasl_lines.sh: run as root" >&2; exit 2; }
    exec unshare --net --mount --uts --pid --fork --mount-proc --propagation private \
        bash "$0" --inside
fi

ip link set lo up
hostname mx
work=$(mktemp -d /var/tmp/maillogs-sasl.XXXXXX)
chmod 755 "$work"
trap 'postfix -c "$work/conf" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir -p "$work/conf" "$work/queue" "$work/data" "$work/sasl"
chown postfix "$work/data"

cat > "$work/conf/main.cf" <<EOF
compatibility_level = 3.6
myhostname = mx.example.net
mydomain = example.net
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
queue_directory = $work/queue
data_directory = $work/data
maillog_file = $work/maillog
maillog_file_prefixes = /var/tmp
mydestination = mx.example.net
local_recipient_maps =
alias_maps =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $work/sasl
smtpd_sasl_local_domain = example.net
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_client_auth_rate_limit = 0
smtpd_tls_security_level = may
smtpd_tls_cert_file = $work/conf/cert.pem
smtpd_tls_key_file = $work/conf/key.pem
smtpd_tls_loglevel = 1
EOF
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.example.net \
    -keyout "$work/conf/key.pem" -out "$work/conf/cert.pem" 2>/dev/null

# master.cf: the sample-log generator's services (tools/sample_logs/postfix_config.py)
python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
from postfix_config import MASTER_SERVICES
print(MASTER_SERVICES, end="")' "$(dirname "$0")/sample_logs" > "$work/conf/master.cf"

cat > "$work/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
EOF
# libsasl2's sasldb plugin opens /etc/sasldb2 whatever smtpd.conf says: give this mount
# namespace an /etc of its own (a copy), so the host's is not touched.
cp -a /etc "$work/etc"
mount --bind "$work/etc" /etc
echo 'right horse battery' | saslpasswd2 -p -c -u example.net alice
chown postfix /etc/sasldb2

postfix -c "$work/conf" check
postfix -c "$work/conf" start >&2
for _ in $(seq 50); do ss -ltn | grep -q '127.0.0.1:25 ' && break; sleep 0.1; done

python3 - <<'EOF'
import smtplib
import ssl

def session(user, password, mechanism, send=False, tls=False):
    with smtplib.SMTP("127.0.0.1", 25, local_hostname="client.example.com") as smtp:
        smtp.ehlo()
        if tls:
            smtp.starttls(context=ssl._create_unverified_context())
            smtp.ehlo()
        smtp.user, smtp.password = user, password
        try:
            smtp.auth(mechanism, getattr(smtp, "auth_" + mechanism.lower().replace("-", "_")))
        except smtplib.SMTPAuthenticationError:
            return
        if send:
            smtp.sendmail("alice@example.net", ["bob@example.org"], b"Subject: hi\r\n\r\nhi\r\n")

session("alice@example.net", "wrong", "PLAIN")
session("alice@example.net", "wrong", "LOGIN")
session("admin", "123456", "LOGIN")
session("alice@example.net", "right horse battery", "PLAIN", send=True)
session("alice@example.net", "right horse battery", "LOGIN", send=True)
session("bob", "letmein", "LOGIN", tls=True)
session("alice@example.net", "right horse battery", "PLAIN", send=True, tls=True)

# A client that gives up half way through LOGIN (the "*" of RFC 4954).
with smtplib.SMTP("127.0.0.1", 25, local_hostname="client.example.com") as smtp:
    smtp.ehlo()
    smtp.putcmd("AUTH", "LOGIN")
    smtp.getreply()
    smtp.putcmd("*")
    smtp.getreply()
EOF
sleep 2
postfix -c "$work/conf" stop >/dev/null
sleep 1
cat "$work/maillog"
