//! A fuzz smoke run on stable Rust, with no fuzzing crate: real lines of every format,
//! mutated at random (bit flips, hostile bytes, cuts, splices, repeats), through the
//! envelope and the Arrow export. Nothing may panic, every line must be a row, and
//! every field must lie inside its line. `FUZZ_ITERATIONS` sets the length of the run
//! (`.ci/run` runs a longer one in release mode); the seed is fixed, so a failure
//! repeats.

use std::cell::Cell;
use std::sync::Arc;

use _engine::arrow::{export, Batch, Column, Strings};
use _engine::envelope::{split, Envelope, Format, Span};
use _engine::events::parse;
use _engine::rules::{FastSpec, RuleSpec, Table};

const SEEDS: &[&str] = &[
    "Nov 24 17:18:10 mx postfix/smtpd[388]: connect from mail.example.com[2001:db8::25]",
    "Nov  8 00:00:01 mx postfix/qmgr[1]: 4XyZ: from=<a@b.c>, size=1, nrcpt=1 (queue active)",
    "Nov 8 17:18:10 mx postfix/smtp[9]: 4XyZ: to=<x@y.z>, relay=r[1.2.3.4]:25, status=sent",
    "2026-11-24T17:18:10.594919+00:00 mx postfix/smtpd[388]: disconnect from a[1.2.3.4]",
    "2026-11-24T17:18:10+0530 mx policyd-spf[7]: prepend Received-SPF: Pass",
    "<22>1 2026-11-24T17:18:10.59+02:00 mx postfix/smtpd 388 - [a@1 x=\"\\]\"] \u{FEFF}hi",
    "<22>1 - mx postfix/cleanup - - - 4XyZ: message-id=<m@x>",
    r#"{"__REALTIME_TIMESTAMP":"1795540690000000","_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"postfix/smtpd","_PID":"388","MESSAGE":"a\tb\u00e9\ud83d\ude00"}"#,
    r#"{"MESSAGE":[1,2,{"a":null}],"SYSLOG_PID":"-5","x":-0.5e-3}"#,
    "Nov 2\u{0663} 1\u{0663}:18:10 h\u{3000}x p[\u{0663}]: m",
];

const RULE_SEEDS: &[&str] = &[
    "Nov 24 17:18:10 mx postfix/smtp[9]: 4F2B1C: to=<x@y.z>, relay=r[1.2.3.4]:25, delay=1, status=sent (250 ok)",
    "Nov 24 17:18:10 mx postfix/smtp[9]: 4F2B1C: to=<x@y.z>, relay=r[1.2.3.4]:25, status=sent (250 ok); x=é",
    "Nov 24 17:18:10 mx postfix/smtpd[9]: NOQUEUE: lost connection after DATA from a[1.2.3.4]",
    "Nov 24 17:18:10 mx postfix/smtpd[9]: warning: hostname x does not resolve",
    "Nov 24 17:18:10 mx postfix/smtpd[9]: dict_eval: const",
    "Nov 24 17:18:10 mx postfix/smtpd[9]: > a[1.2.3.4]: 250 ok",
    "Nov 24 17:18:10 mx policyd-spf[9]: warning: x",
    "Nov 24 17:18:10 mx postfix/qmgr[9]: 4F2B1C: removed",
    "Nov 24 17:18:10 mx postfix/smtpd[9]: disconnect from a[1.2.3.4] ehlo=1 rcpt=0/1 commands=1/2",
    "Nov 24 17:18:10 mx postfix/smtpd[9]: 4F2B1C3D5E: client=mail.example.com[2001:db8::1]",
    "Nov 24 17:18:10 mx postfix/cleanup[9]: 4F2B1C3D5E: message-id=<a@b.c>",
    "Nov 24 17:18:10 mx policyd-spf[9]: : prepend Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=1.2.3.4; helo=h.example; envelope-from=a@b.c; receiver=r ",
    "Nov 24 17:18:10 mx postfix/local[9]: 4F2B1C: to=<a@b>, orig_to=<c>, relay=local, delay=0.06, delays=0.05/0.01/0/0, dsn=2.0.0, status=sent (delivered (to) mailbox)",
    "Nov 24 17:18:10 mx postfix/qmgr[9]: 4F2B1C: from=<a>, size=1, nrcpt=2 (queue active)",
    "Nov 24 17:18:10 mx cron[9]: (root) CMD x",
];

const HOSTILE: &[u8] = b" :[]<>{}\"\\\n\r\t-+.TZ0123456789\xff\xfe\xc3\xe2\x80\xef\xbb\xbf\x00";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: a fixed, dependency-free sequence.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, chunk: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(chunk.len() + 1);
        match rng.below(7) {
            0 if at < chunk.len() => chunk[at] ^= 1 << rng.below(8),
            1 => chunk.insert(at, HOSTILE[rng.below(HOSTILE.len())]),
            2 if at < chunk.len() => {
                chunk.remove(at);
            }
            3 => chunk.truncate(at),
            4 => {
                let seed = SEEDS[rng.below(SEEDS.len())].as_bytes();
                let cut = rng.below(seed.len());
                chunk.splice(at..at, seed[cut..].iter().copied());
            }
            5 if at < chunk.len() => {
                let end = (at + rng.below(16)).min(chunk.len());
                let piece = chunk[at..end].to_vec();
                chunk.splice(at..at, piece);
            }
            _ => chunk.insert(at, rng.next() as u8),
        }
    }
}

fn expected_rows(chunk: &[u8]) -> usize {
    let newlines = chunk.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!chunk.is_empty() && !chunk.ends_with(b"\n"))
}

fn check(chunk: &[u8], format: Format) {
    let env = split(chunk, format, &Cell::new(0)).expect("small chunks fit");
    assert_eq!(env.rows(), expected_rows(chunk), "{chunk:?}");
    for row in 0..env.rows() {
        let line = env.text(env.line[row]);
        let spans = [
            env.host[row],
            env.program[row],
            env.message[row],
            env.stamp[row],
        ];
        for span in spans.into_iter().flatten() {
            in_bounds(&env, span);
            if span.buffer == 0 {
                assert!(line.contains(env.text(span)), "{chunk:?}");
            }
        }
        if let Some(span) = env.odd[row] {
            in_bounds(&env, span);
        }
    }
    let batch = Batch {
        rows: env.rows(),
        columns: vec![
            (
                "line",
                Column::Str(env.line.iter().copied().map(Some).collect()),
            ),
            ("host", Column::Str(env.host.clone())),
            ("pid", Column::Int64(env.pid.clone())),
            ("time", Column::TimeUtc(env.time.clone())),
        ],
        text: [
            Arc::new(env.buffers[0].clone()),
            Arc::new(env.buffers[1].clone()),
        ],
    };
    for strings in [Strings::View, Strings::Plain] {
        let (schema, array) = export(&batch, strings);
        assert!(!schema.is_released() && !array.is_released());
    }
}

fn spec(kind: &str, test: &str, literal: &str, pattern: &str) -> RuleSpec {
    RuleSpec {
        kind: kind.into(),
        test: test.into(),
        literal: literal.into(),
        pattern: pattern.into(),
        constants: vec![("origin".into(), "fuzz".into())],
        words: vec!["dict_eval".into(), "smtpd_check_addr".into()],
        fast: None,
        scanner: None,
    }
}

/// A table with every kind of test, a fast path with checks, closing and a tail, and
/// debug rules: the shapes of parsers/daemons/, not all their rows.
fn table() -> Table {
    let mut delivery = spec(
        "delivery",
        "contains",
        ": to=<",
        r"^(?P<queue_id>[0-9A-F]{5,}): to=<(?P<recipient>.*?)>, relay=(?P<relay>\S+?), (?:.*, )?status=(?P<status>\S+)(?: \((?P<reason>.*)\))?$",
    );
    delivery.fast = Some(FastSpec {
        pattern: r"^(?P<queue_id>[0-9A-Za-z]+): to=<(?P<recipient>[^>]*)>, relay=(?P<relay>[^, ]+), (?:[^(]*, )?status=(?P<status>[^ ;]+)(?: \((?P<reason>[^;]*))?(?P<_t>;.*)?$".into(),
        checks: vec![("queue_id".into(), "^[0-9A-F]{5,}$".into())],
        closing: vec![("reason".into(), ")".into())],
        tail: Some(("_t".into(), r"^;(?: x=(?P<x>\S+))?$".into())),
    });
    let mut queued = spec(
        "queued",
        "contains",
        ": from=<",
        r"^(?P<queue_id>[0-9A-F]{5,}|[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10,}): from=<(?P<sender>.*?)>, size=(?P<size>\d+), nrcpt=(?P<nrcpt>\d+) \(queue active\)$",
    );
    queued.scanner = Some("queued".into());
    // parsers/daemons/delivery.py's regex, with its scanner
    let mut delivered = spec(
        "delivery",
        "contains",
        ": to=<",
        r"^(?P<queue_id>[0-9A-F]{5,}|[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10,}): to=<(?P<recipient>.*?)>,(?: orig_to=<(?P<orig_recipient>.*?)>,)? relay=(?P<relay>[^ \t]+?),(?: conn_use=(?P<conn_use>[0-9]+),)? delay=(?P<delay>[0-9.]+)(?:, delays=(?P<delay_before_qmgr>[0-9.]+)/(?P<delay_in_qmgr>[0-9.]+)/(?P<delay_conn_setup>[0-9.]+)/(?P<delay_transmission>[0-9.]+))?,(?: tls=(?P<tls_summary>[^ \t]+),)?(?: dsn=(?P<dsn>[0-9]\.[0-9]{1,3}\.[0-9]{1,3}),)? status=(?P<status>[^ \t]+)(?: \((?P<reason>.*)\))?$",
    );
    delivered.scanner = Some("delivery".into());
    let mut rules = vec![
        spec(
            "log",
            "starts",
            "warning: ",
            r"^(?P<severity>warning): (?P<text>.*)$",
        ),
        spec(
            "connect",
            "starts",
            "connect from ",
            r"^connect from (?P<client_host>[^\[\]\s]*)\[(?P<client_ip>[^\]]*)\](?::\d+)?$",
        ),
        delivery,
        spec(
            "session_error",
            "regex",
            r"^(?:[0-9A-Za-z]+: )?lost connection after ",
            r"^(?:(?P<queue_id>[0-9A-F]+|NOQUEUE): )?lost connection after (?P<after>\S+) from (?P<client>.*)$",
        ),
        spec(
            "debug",
            "words",
            r"^[A-Za-z_][A-Za-z0-9_]*[:( ]",
            r"^(?P<text>.*)$",
        ),
        spec("debug", "regex", r"^(?:[<>] \S+: |>>> )", r"^(?P<text>.*)$"),
        queued,
        delivered,
    ];
    rules[1].scanner = Some("connect".into());
    // parsers/daemons/'s rules of the other scanners, as native.py hands them over
    for (scanner, kind, test, literal, pattern) in [
        (
            "disconnect",
            "disconnect",
            "starts",
            "disconnect from ",
            r"^disconnect from (?P<client_host>[^\[\] \t]*)\[(?P<client_ip>[^\]]*)\](?::[0-9]+)?(?: (?P<commands>.*?))?$",
        ),
        (
            "client",
            "client",
            "contains",
            ": client=",
            r"^(?P<queue_id>[0-9A-F]{5,}|[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10,}): client=(?P<client_host>[^\[\] \t]*)\[(?P<client_ip>[^\]]*)\](?::[0-9]+)?(?:, sasl_method=(?P<sasl_method>[^,]*))?(?:, sasl_username=(?P<sasl_username>[^,]*))?(?:, sasl_sender=.*)?(?:, orig_queue_id=[^ \t]+, orig_client=.*)?$",
        ),
        (
            "removed",
            "removed",
            "contains",
            ": removed",
            r"^(?P<queue_id>[0-9A-F]{5,}|[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10,}): removed$",
        ),
        (
            "message_id",
            "message_id",
            "contains",
            "message-id=",
            r"^(?P<queue_id>[0-9A-F]{5,}|[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10,}): message-id=(?P<message_id>.*)$",
        ),
        (
            "spf_prepend",
            "spf",
            "contains",
            "prepend Received-SPF: ",
            r"^(?:[0-9A-Za-z]*: )?(?P<action>prepend) Received-SPF: (?P<result>[0-9A-Za-z_]+) \(.*?\) identity=(?P<identity>[0-9A-Za-z_]+); client-ip=(?P<client_ip>[^;]*); helo=(?P<helo>[^;]*); envelope-from=(?P<envelope_from>[^;]*); receiver=(?P<receiver>.*?) ?$",
        ),
    ] {
        let mut rule = spec(kind, test, literal, pattern);
        rule.scanner = Some(scanner.into());
        rules.push(rule);
    }

    Table::new(
        rules,
        vec![
            ("smtpd".into(), vec![0, 1, 3, 8, 9], vec![4, 5]),
            ("cleanup".into(), vec![11], vec![]),
            ("qmgr".into(), vec![10, 6], vec![]),
            ("local".into(), vec![7], vec![]),
            ("smtp".into(), vec![0, 2], vec![4]),
            ("policyd-spf".into(), vec![0, 12], vec![]),
        ],
        vec![
            "smtpd".into(),
            "smtp".into(),
            "qmgr".into(),
            "local".into(),
            "cleanup".into(),
        ],
        vec!["policyd-spf".into()],
        "policyd-spf".into(),
    )
    .expect("the fuzz table compiles")
}

/// Through the rules: nothing panics, every line is an event, unparsed, not mail or
/// left to Python, and every column has its frame's rows.
fn check_rules(table: &Table, chunk: &[u8], format: Format) {
    let parsed = parse(chunk, format, table, 1 << 32, &Cell::new(0)).expect("small chunks fit");
    let not_mail: u64 = parsed.not_mail.iter().map(|(_, n)| n).sum();
    let events: usize = parsed.kinds.iter().map(|(_, f)| f.rows).sum();
    let accounted = events + parsed.unparsed.rows + not_mail as usize + parsed.deferred.len();
    assert_eq!(accounted, parsed.rows, "{chunk:?}");
    assert_eq!(parsed.rows, expected_rows(chunk), "{chunk:?}");
    assert_eq!(parsed.envelope.rows, parsed.rows);
    let frames = parsed.kinds.into_iter().map(|(_, f)| f);
    for frame in frames.chain([parsed.unparsed, parsed.odd, parsed.envelope]) {
        let (schema, array) = frame.export();
        assert!(!schema.is_released() && !array.is_released());
    }
}

/// Messages of the scanned shapes, mutated: where a scanner takes one, its rule's regex
/// takes it too, with the same captures.
#[test]
fn scanners_agree_with_their_regexes() {
    let iterations: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000);
    let table = table();
    let mut rng = Rng(0x0BAD_5CA1_AB1E);
    let messages: Vec<&str> = RULE_SEEDS
        .iter()
        .filter_map(|line| line.split_once("]: ").map(|(_, m)| m))
        .collect();
    for _ in 0..iterations * 4 {
        let mut bytes = messages[rng.below(messages.len())].as_bytes().to_vec();
        mutate(&mut rng, &mut bytes);
        let message = String::from_utf8_lossy(&bytes).replace('\n', " ");
        for rule in 0..table.rule_count() {
            if let Err(disagreement) = table.check_scanner(rule, &message) {
                panic!("{disagreement}");
            }
        }
    }
}

#[test]
fn mutated_lines_through_the_rules_never_panic() {
    let iterations: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000);
    let table = table();
    let mut rng = Rng(0x05EE_D0F7_AB1E);
    let mut seeds: Vec<&str> = SEEDS.to_vec();
    seeds.extend(RULE_SEEDS);
    for _ in 0..iterations {
        let mut chunk = Vec::new();
        for _ in 0..=rng.below(4) {
            chunk.extend_from_slice(seeds[rng.below(seeds.len())].as_bytes());
            chunk.push(b'\n');
        }
        mutate(&mut rng, &mut chunk);
        for format in [Format::Classic, Format::Rfc3339, Format::Journald] {
            check_rules(&table, &chunk, format);
        }
    }
}

fn in_bounds(env: &Envelope, span: Span) {
    let buffer = &env.buffers[usize::from(span.buffer)];
    let end = span.start as usize + span.len as usize;
    assert!(end <= buffer.len());
    assert!(std::str::from_utf8(&buffer[span.start as usize..end]).is_ok());
}

#[test]
fn mutated_lines_never_panic_and_every_line_is_a_row() {
    let iterations: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let formats = [
        Format::Classic,
        Format::Rfc3339,
        Format::Rfc5424,
        Format::Journald,
    ];
    for _ in 0..iterations {
        let lines = 1 + rng.below(4);
        let mut chunk = Vec::new();
        for _ in 0..lines {
            chunk.extend_from_slice(SEEDS[rng.below(SEEDS.len())].as_bytes());
            chunk.push(b'\n');
        }
        mutate(&mut rng, &mut chunk);
        for format in formats {
            check(&chunk, format);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..2_000 {
        let chunk: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        for format in [Format::Classic, Format::Rfc5424, Format::Journald] {
            check(&chunk, format);
        }
    }
}
