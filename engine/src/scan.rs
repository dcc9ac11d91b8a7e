//! Hand-written scanners for the busiest line shapes: byte searches for the fixed parts,
//! the fields between them. A scanner answers only for the plain form of its shape and
//! gives exactly the captures its rule's regex would; for anything else it answers
//! None and the rule's regex decides (engine/tests/scanners.rs and
//! tests/test_native_rules.py hold them to that). The regexes are in
//! parsers/daemons/, beside the Postfix source files that write the lines:
//!
//! - `connect`: smtpd.c `connect from host[ip]` (smtpd.py's CONNECT rule, no port form
//!   `host[ip]:port` aside);
//! - `client`: smtpd.c `QID: client=host[ip]` (no SASL, no port);
//! - `removed`: qmgr_active.c `QID: removed`;
//! - `message_id`: cleanup_message.c `QID: message-id=<...>`;
//! - `queued`: qmgr_message.c `QID: from=<sender>, size=N, nrcpt=N (queue active)`;
//! - `disconnect`: smtpd.c `disconnect from host[ip] ehlo=1 ... commands=N[/M]` (no port);
//! - `spf_prepend`: policyd-spf's `[: ]prepend Received-SPF: RESULT (COMMENT) identity=...;
//!   client-ip=...; helo=...; envelope-from=...; receiver=...` (the shape of its fast path:
//!   no queue id, no `)` in the comment, a receiver without spaces);
//! - `delivery`: log_adhoc.c `QID: to=<...>, [orig_to=<...>, ]relay=..., [conn_use=N, ]
//!   delay=N, delays=a/b/c/d, [tls=..., ]dsn=N.N.N, status=WORD[ (REASON)]` (the shape of
//!   delivery.py's fast path).

use memchr::memmem;

/// What a scanner found: the text range of each of its groups, in `Scanner::groups` order.
pub type Spans = [Option<Range>; 16];

type Range = (usize, usize);

const NONE: Spans = [None; 16];

fn spans(found: &[Option<Range>]) -> Spans {
    let mut out = NONE;
    out[..found.len()].copy_from_slice(found);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scanner {
    Connect,
    Client,
    Removed,
    MessageId,
    Queued,
    Disconnect,
    SpfPrepend,
    Delivery,
}

impl Scanner {
    pub fn from_name(name: &str) -> Option<Scanner> {
        match name {
            "connect" => Some(Scanner::Connect),
            "client" => Some(Scanner::Client),
            "removed" => Some(Scanner::Removed),
            "message_id" => Some(Scanner::MessageId),
            "queued" => Some(Scanner::Queued),
            "disconnect" => Some(Scanner::Disconnect),
            "spf_prepend" => Some(Scanner::SpfPrepend),
            "delivery" => Some(Scanner::Delivery),
            _ => None,
        }
    }

    /// The regex groups (column names) a scanner fills.
    pub fn groups(self) -> &'static [&'static str] {
        match self {
            Scanner::Connect => &["client_host", "client_ip"],
            Scanner::Client => &["queue_id", "client_host", "client_ip"],
            Scanner::Removed => &["queue_id"],
            Scanner::MessageId => &["queue_id", "message_id"],
            Scanner::Queued => &["queue_id", "sender", "size", "nrcpt"],
            Scanner::Disconnect => &["client_host", "client_ip", "commands"],
            Scanner::SpfPrepend => &[
                "action",
                "result",
                "identity",
                "client_ip",
                "helo",
                "envelope_from",
                "receiver",
            ],
            Scanner::Delivery => &[
                "queue_id",
                "recipient",
                "orig_recipient",
                "relay",
                "conn_use",
                "delay",
                "delay_before_qmgr",
                "delay_in_qmgr",
                "delay_conn_setup",
                "delay_transmission",
                "tls_summary",
                "dsn",
                "status",
                "reason",
            ],
        }
    }

    pub fn scan(self, message: &str) -> Option<Spans> {
        let m = message.as_bytes();
        match self {
            Scanner::Connect => {
                let (host, ip, end) = client(m, after(m, 0, b"connect from ")?)?;
                (end == m.len()).then(|| spans(&[Some(host), Some(ip)]))
            }
            Scanner::Client => {
                let qid = queue_id(m)?;
                let at = after(m, qid.1, b": client=")?;
                let (host, ip, end) = client(m, at)?;
                (end == m.len()).then(|| spans(&[Some(qid), Some(host), Some(ip)]))
            }
            Scanner::Removed => {
                let qid = queue_id(m)?;
                (after(m, qid.1, b": removed")? == m.len()).then(|| spans(&[Some(qid)]))
            }
            Scanner::MessageId => {
                let qid = queue_id(m)?;
                let at = after(m, qid.1, b": message-id=")?;
                // `.*`: any text but a newline, which a line never holds
                Some(spans(&[Some(qid), Some((at, m.len()))]))
            }
            Scanner::Queued => {
                let qid = queue_id(m)?;
                let at = after(m, qid.1, b": from=<")?;
                // `(?P<sender>.*?)>, size=`: the first ">, size=" the rest of the line fits
                memmem::find_iter(&m[at..], b">, size=").find_map(|found| {
                    let close = at + found;
                    let (size, nrcpt) = queued_tail(m, close + b">, size=".len())?;
                    Some(spans(&[
                        Some(qid),
                        Some((at, close)),
                        Some(size),
                        Some(nrcpt),
                    ]))
                })
            }
            Scanner::Disconnect => {
                let (host, ip, end) = client(m, after(m, 0, b"disconnect from ")?)?;
                // `(?::\d+)?(?: (?P<commands>.*?))?$`: no port here (the regex takes it)
                match m.get(end) {
                    None => Some(spans(&[Some(host), Some(ip), None])),
                    Some(b' ') => Some(spans(&[Some(host), Some(ip), Some((end + 1, m.len()))])),
                    Some(_) => None,
                }
            }
            Scanner::SpfPrepend => spf_prepend(m),
            Scanner::Delivery => delivery(m),
        }
    }
}

/// `QID` as parsers/rules.py has it, at the start and followed by ":": upper-case hex of
/// 5 or more, or 10 or more of the long ids' alphabet (no vowels).
fn queue_id(m: &[u8]) -> Option<(usize, usize)> {
    let end = m.iter().position(|&b| !b.is_ascii_alphanumeric())?;
    if m[end] != b':' {
        return None;
    }
    let id = &m[..end];
    let hex = id.len() >= 5 && id.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
    let long = id.len() >= 10
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() && !b"AEIOUaeiou".contains(b));
    (hex || long).then_some((0, end))
}

/// The offset after `literal`, if `m` has it at `at`.
fn after(m: &[u8], at: usize, literal: &[u8]) -> Option<usize> {
    m.get(at..)?
        .starts_with(literal)
        .then_some(at + literal.len())
}

/// `host[ip]` from `at`: host without `[`, `]`, space or tab; ip up to the first `]`.
/// Returns (host, ip, the offset after `]`).
fn client(m: &[u8], at: usize) -> Option<(Range, Range, usize)> {
    let rest = m.get(at..)?;
    let open = at + rest.iter().position(|&b| b == b'[')?;
    if m[at..open]
        .iter()
        .any(|&b| matches!(b, b']' | b' ' | b'\t'))
    {
        return None;
    }
    let close = open + 1 + m[open + 1..].iter().position(|&b| b == b']')?;
    Some(((at, open), (open + 1, close), close + 1))
}

/// `[0-9]+` from `at`: its end, if there is at least one digit.
fn digits(m: &[u8], at: usize) -> Option<usize> {
    let n = m
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (n > 0).then_some(at + n)
}

/// `[0-9A-Za-z_]+` from `at`: its end, if not empty.
fn word(m: &[u8], at: usize) -> Option<usize> {
    let n = m
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (n > 0).then_some(at + n)
}

/// `[^;]*` from `at`, then `literal`: the field's range and the offset after `literal`.
fn field(m: &[u8], at: usize, literal: &[u8]) -> Option<(Range, usize)> {
    let end = at + memchr::memchr(b';', m.get(at..)?)?;
    Some(((at, end), after(m, end, literal)?))
}

fn spf_prepend(m: &[u8]) -> Option<Spans> {
    let start = if m.starts_with(b": ") { 2 } else { 0 };
    let action = (start, start + b"prepend".len());
    let result_at = after(m, start, b"prepend Received-SPF: ")?;
    let result_end = word(m, result_at)?;
    let comment = after(m, result_end, b" (")?;
    let close = comment + memchr::memchr(b')', &m[comment..])?;
    let identity_at = after(m, close, b") identity=")?;
    let identity_end = word(m, identity_at)?;
    let ip_at = after(m, identity_end, b"; client-ip=")?;
    let (ip, helo_at) = field(m, ip_at, b"; helo=")?;
    let (helo, from_at) = field(m, helo_at, b"; envelope-from=")?;
    let (from, receiver_at) = field(m, from_at, b"; receiver=")?;
    // `(?P<receiver>[^ ]*) ?$`
    let receiver_end = receiver_at + m[receiver_at..].iter().take_while(|&&b| b != b' ').count();
    if !matches!(&m[receiver_end..], b"" | b" ") {
        return None;
    }
    Some(spans(&[
        Some(action),
        Some((result_at, result_end)),
        Some((identity_at, identity_end)),
        Some(ip),
        Some(helo),
        Some(from),
        Some((receiver_at, receiver_end)),
    ]))
}

/// The end of a run of bytes that pass `ok` from `at`, if not empty.
fn run(m: &[u8], at: usize, ok: impl Fn(u8) -> bool) -> Option<usize> {
    let n = m.get(at..)?.iter().take_while(|&&b| ok(b)).count();
    (n > 0).then_some(at + n)
}

fn delay(b: u8) -> bool {
    b.is_ascii_digit() || b == b'.'
}

/// `[0-9]\.[0-9]{1,3}\.[0-9]{1,3}` from `at`: its end.
fn dsn(m: &[u8], at: usize) -> Option<usize> {
    let digits_upto = |from: usize| {
        let n = m
            .get(from..)?
            .iter()
            .take(3)
            .take_while(|b| b.is_ascii_digit())
            .count();
        (n > 0).then_some(from + n)
    };
    if !m.get(at)?.is_ascii_digit() || m.get(at + 1) != Some(&b'.') {
        return None;
    }
    let minor = digits_upto(at + 2)?;
    if m.get(minor) != Some(&b'.') {
        return None;
    }
    digits_upto(minor + 1)
}

fn delivery(m: &[u8]) -> Option<Spans> {
    let qid = queue_id(m)?;
    let to = after(m, qid.1, b": to=<")?;
    let to_end = to + memchr::memchr(b'>', &m[to..])?;
    let mut at = after(m, to_end, b">, ")?;
    let mut orig = None;
    if let Some(o) = after(m, at, b"orig_to=<") {
        let o_end = o + memchr::memchr(b'>', &m[o..])?;
        orig = Some((o, o_end));
        at = after(m, o_end, b">, ")?;
    }
    let relay_at = after(m, at, b"relay=")?;
    let relay_end = run(m, relay_at, |b| !matches!(b, b',' | b' ' | b'\t'))?;
    at = after(m, relay_end, b", ")?;
    let mut conn_use = None;
    if let Some(c) = after(m, at, b"conn_use=") {
        let c_end = digits(m, c)?;
        conn_use = Some((c, c_end));
        at = after(m, c_end, b", ")?;
    }
    let delay_at = after(m, at, b"delay=")?;
    let delay_end = run(m, delay_at, delay)?;
    let a = after(m, delay_end, b", delays=")?;
    let a_end = run(m, a, delay)?;
    let b = after(m, a_end, b"/")?;
    let b_end = run(m, b, delay)?;
    let c = after(m, b_end, b"/")?;
    let c_end = run(m, c, delay)?;
    let d = after(m, c_end, b"/")?;
    let d_end = run(m, d, delay)?;
    at = after(m, d_end, b", ")?;
    let mut tls = None;
    if let Some(t) = after(m, at, b"tls=") {
        let t_end = run(m, t, |b| !matches!(b, b',' | b' ' | b'\t'))?;
        tls = Some((t, t_end));
        at = after(m, t_end, b", ")?;
    }
    let dsn_at = after(m, at, b"dsn=")?;
    let dsn_end = dsn(m, dsn_at)?;
    let status_at = after(m, dsn_end, b", status=")?;
    let status_end = run(m, status_at, |b| !matches!(b, b' ' | b'\t'))?;
    // `(?: \((?P<reason>.*))?$`, the reason's closing ")" dropped (and required)
    let reason = match &m[status_end..] {
        [] => None,
        [b' ', b'(', .., b')'] => Some((status_end + 2, m.len() - 1)),
        _ => return None,
    };
    Some(spans(&[
        Some(qid),
        Some((to, to_end)),
        orig,
        Some((relay_at, relay_end)),
        conn_use,
        Some((delay_at, delay_end)),
        Some((a, a_end)),
        Some((b, b_end)),
        Some((c, c_end)),
        Some((d, d_end)),
        tls,
        Some((dsn_at, dsn_end)),
        Some((status_at, status_end)),
        reason,
    ]))
}

/// `N, nrcpt=N (queue active)` to the end: the two numbers' ranges.
fn queued_tail(m: &[u8], at: usize) -> Option<(Range, Range)> {
    let size_end = digits(m, at)?;
    let nrcpt = after(m, size_end, b", nrcpt=")?;
    let nrcpt_end = digits(m, nrcpt)?;
    let end = after(m, nrcpt_end, b" (queue active)")?;
    (end == m.len()).then_some(((at, size_end), (nrcpt, nrcpt_end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(scanner: Scanner, message: &str) -> Option<Vec<Option<String>>> {
        let spans = scanner.scan(message)?;
        let out = spans
            .iter()
            .take(scanner.groups().len())
            .map(|s| s.map(|(a, b)| message[a..b].to_string()))
            .collect();
        Some(out)
    }

    fn some(items: &[&str]) -> Option<Vec<Option<String>>> {
        Some(items.iter().map(|s| Some(s.to_string())).collect())
    }

    #[test]
    fn plain_shapes() {
        assert_eq!(
            texts(Scanner::Connect, "connect from mx.example.com[2001:db8::1]"),
            some(&["mx.example.com", "2001:db8::1"])
        );
        assert_eq!(texts(Scanner::Connect, "connect from a b[1.2.3.4]"), None);
        assert_eq!(texts(Scanner::Connect, "connect from a[1.2.3.4]:25"), None);
        assert_eq!(
            texts(Scanner::Client, "4F2B1C3D5E: client=unknown[1.2.3.4]"),
            some(&["4F2B1C3D5E", "unknown", "1.2.3.4"])
        );
        assert_eq!(texts(Scanner::Client, "4F2B: client=a[1.2.3.4]"), None);
        assert_eq!(
            texts(Scanner::Client, "4Tq9Xb2mZkz9Xb: client=a[1.2.3.4]"),
            some(&["4Tq9Xb2mZkz9Xb", "a", "1.2.3.4"])
        );
        assert_eq!(texts(Scanner::Client, "4Tq9Xb2mZkz9Xa: client=a[1]"), None);
        assert_eq!(texts(Scanner::Removed, "ABCDE: removed"), some(&["ABCDE"]));
        assert_eq!(texts(Scanner::Removed, "ABCDE: removed (x)"), None);
        assert_eq!(
            texts(Scanner::MessageId, "ABCDE: message-id=<a@b>"),
            some(&["ABCDE", "<a@b>"])
        );
        assert_eq!(
            texts(
                Scanner::Queued,
                "ABCDE: from=<a>, size=1, nrcpt=2 (queue active)>, size=3, nrcpt=4 (queue active)"
            ),
            some(&["ABCDE", "a>, size=1, nrcpt=2 (queue active)", "3", "4"])
        );
        assert_eq!(
            texts(
                Scanner::Queued,
                "ABCDE: from=<>, size=10, nrcpt=1 (queue active)"
            ),
            some(&["ABCDE", "", "10", "1"])
        );
        assert_eq!(
            texts(
                Scanner::Queued,
                "ABCDE: from=<>, size=, nrcpt=1 (queue active)"
            ),
            None
        );
    }

    #[test]
    fn disconnect_and_spf() {
        assert_eq!(
            texts(
                Scanner::Disconnect,
                "disconnect from a[1.2.3.4] ehlo=1 commands=1"
            ),
            some(&["a", "1.2.3.4", "ehlo=1 commands=1"])
        );
        assert_eq!(
            texts(Scanner::Disconnect, "disconnect from a[1.2.3.4]"),
            Some(vec![Some("a".into()), Some("1.2.3.4".into()), None])
        );
        assert_eq!(
            texts(Scanner::Disconnect, "disconnect from a[1.2.3.4]:25 x"),
            None
        );
        let line = ": prepend Received-SPF: Pass (mailfrom) identity=mailfrom; \
                    client-ip=1.2.3.4; helo=h; envelope-from=a@b; receiver=r ";
        assert_eq!(
            texts(Scanner::SpfPrepend, line),
            some(&["prepend", "Pass", "mailfrom", "1.2.3.4", "h", "a@b", "r"])
        );
        assert_eq!(texts(Scanner::SpfPrepend, &line.replace("r ", "r s")), None);
        assert_eq!(
            texts(Scanner::SpfPrepend, &line.replace("(mailfrom)", "(a)b)")),
            None
        );
        assert_eq!(
            texts(Scanner::SpfPrepend, &line[2..].replace("helo=h", "helo=")),
            some(&["prepend", "Pass", "mailfrom", "1.2.3.4", "", "a@b", "r"])
        );
    }

    #[test]
    fn deliveries() {
        let line = "0123456789B: to=<a@b>, relay=mx[1.2.3.4]:25, delay=0.11, \
                    delays=0.01/0/0.06/0.02, dsn=2.0.0, status=sent (250 2.0.0 Ok (x))";
        let got = texts(Scanner::Delivery, line).expect("taken");
        let want = [
            Some("0123456789B"),
            Some("a@b"),
            None,
            Some("mx[1.2.3.4]:25"),
            None,
            Some("0.11"),
            Some("0.01"),
            Some("0"),
            Some("0.06"),
            Some("0.02"),
            None,
            Some("2.0.0"),
            Some("sent"),
            Some("250 2.0.0 Ok (x)"),
        ];
        assert_eq!(got, want.map(|w| w.map(String::from)));
        let full = line
            .replace("relay=", "orig_to=<c>, relay=")
            .replace("delay=", "conn_use=2, delay=")
            .replace("dsn=", "tls=x, dsn=");
        let got = texts(Scanner::Delivery, &full).expect("taken");
        assert_eq!(got[2].as_deref(), Some("c"));
        assert_eq!(got[4].as_deref(), Some("2"));
        assert_eq!(got[10].as_deref(), Some("x"));
        assert!(texts(Scanner::Delivery, &line.replace("Ok (x))", "Ok (x)")).is_some());
        assert!(texts(Scanner::Delivery, &line.replace(" (250 2.0.0 Ok (x))", "")).is_some());
        assert!(texts(Scanner::Delivery, &line.replace("(x))", "x")).is_none());
        assert!(texts(
            Scanner::Delivery,
            &line.replace("dsn=2.0.0", "dsn=2.0000.0")
        )
        .is_none());
        assert!(texts(Scanner::Delivery, &line.replace("delays=0.01/", "delays=")).is_none());
    }
}
