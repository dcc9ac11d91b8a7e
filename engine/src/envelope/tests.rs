use super::*;

struct Row {
    time: Option<i64>,
    stamp: Option<String>,
    odd: Option<String>,
    host: Option<String>,
    program: Option<String>,
    pid: Option<i64>,
    message: Option<String>,
}

fn rows(chunk: &str, format: Format) -> Vec<Row> {
    let env = split(chunk.as_bytes(), format, &Cell::new(0)).unwrap();
    let text = |s: Option<Span>| s.map(|s| env.text(s).to_string());
    (0..env.rows())
        .map(|i| Row {
            time: env.time[i],
            stamp: text(env.stamp[i]),
            odd: text(env.odd[i]),
            host: text(env.host[i]),
            program: text(env.program[i]),
            pid: env.pid[i],
            message: text(env.message[i]),
        })
        .collect()
}

fn one(line: &str, format: Format) -> Row {
    rows(&format!("{line}\n"), format).remove(0)
}

#[test]
fn classic_heads() {
    let row = one(
        "Nov 24 17:18:10 mx postfix/smtpd[388]: connect from a[1.2.3.4]",
        Format::Classic,
    );
    assert_eq!(row.stamp.as_deref(), Some("Nov 24 17:18:10"));
    assert_eq!(row.host.as_deref(), Some("mx"));
    assert_eq!(row.program.as_deref(), Some("postfix/smtpd"));
    assert_eq!(row.pid, Some(388));
    assert_eq!(row.message.as_deref(), Some("connect from a[1.2.3.4]"));
    assert_eq!((row.time, row.odd), (None, None));

    // The shortest program: a colon inside it, then the first ": ".
    let row = one("Nov  8 17:18:10 mx a:b: c: d", Format::Classic);
    assert_eq!((row.program.as_deref(), row.pid), (Some("a:b"), None));
    assert_eq!(row.message.as_deref(), Some("c: d"));

    // An unpadded day is read, but its time is left to Python.
    let row = one("Nov 8 17:18:10 mx postfix/qmgr[1]: x", Format::Classic);
    assert_eq!(
        (row.stamp, row.odd.as_deref()),
        (None, Some("Nov 8 17:18:10"))
    );

    // Unicode digits are \d to the regex: a head, but no pid Int64 can read.
    let row = one("Nov 24 17:18:10 mx prog[\u{0663}]: x", Format::Classic);
    assert_eq!((row.program.as_deref(), row.pid), (Some("prog"), None));
}

#[test]
fn lines_without_a_head() {
    for line in [
        "",
        "Nov 24 17:18:10 mx",
        "Nov 24 17:18:10  mx p: x",
        "Nov 24 17:18:10 mx p[x]: y",
        "Nov 24 17:18:10 mx\tp: x",
        "Nov   8 17:18:10 mx p: x",
        "\u{FEFF}Nov 24 17:18:10 mx p: x",
    ] {
        let row = one(line, Format::Classic);
        assert!(row.program.is_none() && row.host.is_none(), "{line:?}");
    }
}

#[test]
fn iso_heads() {
    let row = one(
        "2026-11-24T17:18:10.594919+00:00 mx postfix/smtpd[388]: hi",
        Format::Rfc3339,
    );
    assert_eq!(row.time, Some(1_795_540_690_594_919));
    assert_eq!((row.host.as_deref(), row.pid), (Some("mx"), Some(388)));
    let row = one("2026-11-24T17:18:60Z mx p: hi", Format::Rfc3339);
    assert_eq!(
        (row.time, row.odd.as_deref()),
        (None, Some("2026-11-24T17:18:60Z"))
    );
}

#[test]
fn rfc5424_heads() {
    let row = one(
        "<22>1 2026-11-24T17:18:10.59+02:00 mx postfix/smtpd 388 - [a@1 x=\"\\]\"][b] \u{FEFF}hi",
        Format::Rfc5424,
    );
    assert_eq!(row.time, Some(1_795_533_490_590_000));
    assert_eq!(
        (row.program.as_deref(), row.pid),
        (Some("postfix/smtpd"), Some(388))
    );
    assert_eq!(row.message.as_deref(), Some("hi"));
    let row = one("<22>1 - mx p - - - [unclosed", Format::Rfc5424);
    assert_eq!((row.odd.as_deref(), row.pid), (Some("-"), None));
    assert_eq!(row.message.as_deref(), Some("[unclosed"));
    assert!(one("<2222>1 - mx p - - - x", Format::Rfc5424)
        .program
        .is_none());
    assert!(one("<22>1 - mx p - - [x", Format::Rfc5424)
        .program
        .is_none());
}

#[test]
fn journald_records() {
    let row = one(
        r#"{"__REALTIME_TIMESTAMP":"1795540690000000","_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"postfix/smtpd","_PID":"388","MESSAGE":"a\tb"}"#,
        Format::Journald,
    );
    assert_eq!(row.time, Some(1_795_540_690_000_000));
    assert_eq!(
        (row.program.as_deref(), row.pid),
        (Some("postfix/smtpd"), Some(388))
    );
    assert_eq!(row.message.as_deref(), Some("a\tb"));
    let row = one(
        r#"{"SYSLOG_IDENTIFIER":"p","MESSAGE":"m"}"#,
        Format::Journald,
    );
    assert_eq!((row.program, row.message.as_deref()), (None, Some("m")));
    let row = one(r#"{"MESSAGE":[104,105]}"#, Format::Journald);
    assert_eq!(row.odd.as_deref(), Some(r#"{"MESSAGE":[104,105]}"#));
}

#[test]
fn every_line_is_a_row() {
    let chunk = "a\nNov 24 17:18:10 mx p: x\r\n\n";
    assert_eq!(rows(chunk, Format::Classic).len(), 3);
}
