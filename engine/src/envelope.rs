//! The syslog envelope of each line: time, host, program, pid and message, for the
//! formats of `parsers/envelope.py` (classic and postlog, RFC 3339, RFC 5424, journald
//! JSON). The heads read are exactly those the Polars envelope's regular expressions
//! match, Unicode `\d` and `\s` included; a line whose head does not match has a null
//! program and is counted unparsed under "(no envelope)" by the caller.

use std::borrow::Cow;
use std::cell::Cell;

use crate::json;
use crate::lines::{line_str, split_lines, Line, TooLarge};
use crate::stamp::{is_plain_classic, iso_micros};
use crate::unicode::{is_digit, is_space};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Classic, // also Postfix's maillog_file (postlog): the same layout
    Rfc3339,
    Rfc5424,
    Journald,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "classic" | "postlog" => Some(Format::Classic),
            "rfc3339" => Some(Format::Rfc3339),
            "rfc5424" => Some(Format::Rfc5424),
            "journald" => Some(Format::Journald),
            _ => None,
        }
    }
}

/// Text in buffer 0 (the chunk's lines) or buffer 1 (text the engine made: unescaped
/// JSON strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub buffer: u8,
    pub start: u32,
    pub len: u32,
}

/// One chunk's envelope, column by column.
#[derive(Default)]
pub struct Envelope {
    pub buffers: [Vec<u8>; 2],
    pub line: Vec<Span>,
    /// UTC microseconds, where the engine read the stamp itself (ISO and journald).
    pub time: Vec<Option<i64>>,
    /// A plain classic stamp, for Python to turn into an instant once per minute.
    pub stamp: Vec<Option<Span>>,
    /// What the engine leaves to Python's rules: an odd stamp, or a whole journald record.
    pub odd: Vec<Option<Span>>,
    pub host: Vec<Option<Span>>,
    pub program: Vec<Option<Span>>,
    pub pid: Vec<Option<i64>>,
    pub message: Vec<Option<Span>>,
}

impl Envelope {
    pub fn rows(&self) -> usize {
        self.line.len()
    }

    pub fn text(&self, span: Span) -> &str {
        let buffer = &self.buffers[usize::from(span.buffer)];
        let bytes = &buffer[span.start as usize..(span.start + span.len) as usize];
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// Fields of one line, as byte ranges within the line (or owned text, for JSON).
#[derive(Default)]
struct Head<'a> {
    time: Option<i64>,
    stamp: Option<(usize, usize)>,
    odd: Option<(usize, usize)>,
    host: Option<Cow<'a, str>>,
    program: Option<Cow<'a, str>>,
    pid: Option<i64>,
    message: Option<Cow<'a, str>>,
}

/// Split a chunk of whole lines. `progress` holds the chunk offset of the line being
/// read, so a failure can say where it happened.
pub fn split(chunk: &[u8], format: Format, progress: &Cell<usize>) -> Result<Envelope, TooLarge> {
    let lines = split_lines(chunk)?;
    let rows = lines.lines.len();
    let mut out = Envelope {
        line: Vec::with_capacity(rows),
        time: Vec::with_capacity(rows),
        stamp: Vec::with_capacity(rows),
        odd: Vec::with_capacity(rows),
        host: Vec::with_capacity(rows),
        program: Vec::with_capacity(rows),
        pid: Vec::with_capacity(rows),
        message: Vec::with_capacity(rows),
        ..Envelope::default()
    };
    let mut extra = Vec::new();
    let all = lines.as_str();
    for line in &lines.lines {
        progress.set(line.chunk_offset);
        let text = line_str(all, line);
        let head = match format {
            Format::Classic => syslog_head(text, true),
            Format::Rfc3339 => syslog_head(text, false),
            Format::Rfc5424 => rfc5424_head(text),
            Format::Journald => journald_head(text),
        };
        push(&mut out, &mut extra, line, text, head);
    }
    if extra.len() > crate::lines::MAX_TEXT {
        return Err(TooLarge(extra.len()));
    }
    out.buffers = [lines.text, extra];
    Ok(out)
}

fn push(out: &mut Envelope, extra: &mut Vec<u8>, line: &Line, text: &str, head: Head<'_>) {
    let base = text.as_ptr() as usize;
    let range = |(start, end): (usize, usize)| Span {
        buffer: 0,
        start: line.start + start as u32,
        len: (end - start) as u32,
    };
    let mut span = |field: Option<Cow<'_, str>>| -> Option<Span> {
        Some(match field? {
            // A borrowed field lies inside the line: its offset there is its address less
            // the line's.
            Cow::Borrowed(part) => range((
                part.as_ptr() as usize - base,
                part.as_ptr() as usize - base + part.len(),
            )),
            Cow::Owned(part) => {
                let start = extra.len();
                extra.extend_from_slice(part.as_bytes());
                Span {
                    buffer: 1,
                    start: start as u32,
                    len: part.len() as u32,
                }
            }
        })
    };
    out.line.push(Span {
        buffer: 0,
        start: line.start,
        len: line.len,
    });
    out.time.push(head.time);
    out.stamp.push(head.stamp.map(range));
    out.odd.push(head.odd.map(range));
    out.host.push(span(head.host));
    out.program.push(span(head.program));
    out.pid.push(head.pid);
    out.message.push(span(head.message));
}

/// A cursor over a line, by character.
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.at..].chars().next()
    }

    fn take(&mut self, ok: impl Fn(char) -> bool) -> Option<char> {
        let c = self.peek().filter(|&c| ok(c))?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, want: char) -> Option<()> {
        self.take(|c| c == want).map(|_| ())
    }

    fn digits(&mut self, count: usize) -> Option<()> {
        (0..count).try_for_each(|_| self.take(is_digit).map(|_| ()))
    }

    /// `\S+`, then the one space that ends it.
    fn word(&mut self) -> Option<&'a str> {
        let start = self.at;
        while self.take(|c| !is_space(c)).is_some() {}
        if self.at == start {
            return None;
        }
        let word = &self.s[start..self.at];
        self.eat(' ')?;
        Some(word)
    }
}

/// `[A-Z][a-z]{2} {1,2}[0-3]?\d \d\d:\d\d:\d\d`
fn classic_stamp(c: &mut Cursor<'_>) -> Option<()> {
    c.take(|c| c.is_ascii_uppercase())?;
    c.take(|c| c.is_ascii_lowercase())?;
    c.take(|c| c.is_ascii_lowercase())?;
    c.eat(' ')?;
    let _ = c.eat(' ');
    let before_day = c.at;
    let two_digits = c.take(|c| ('0'..='3').contains(&c)).is_some()
        && c.take(is_digit).is_some()
        && c.eat(' ').is_some();
    if !two_digits {
        c.at = before_day;
        c.take(is_digit)?;
        c.eat(' ')?;
    }
    c.digits(2)?;
    c.eat(':')?;
    c.digits(2)?;
    c.eat(':')?;
    c.digits(2)
}

/// `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)`
fn iso_stamp(c: &mut Cursor<'_>) -> Option<()> {
    c.digits(4)?;
    c.eat('-')?;
    c.digits(2)?;
    c.eat('-')?;
    c.digits(2)?;
    c.eat('T')?;
    c.digits(2)?;
    c.eat(':')?;
    c.digits(2)?;
    c.eat(':')?;
    c.digits(2)?;
    if c.eat('.').is_some() {
        c.digits(1)?;
        while c.take(is_digit).is_some() {}
    }
    if c.eat('Z').is_none() {
        c.take(|c| c == '+' || c == '-')?;
        c.digits(2)?;
        let _ = c.eat(':');
        c.digits(2)?;
    }
    Some(())
}

/// `STAMP (?P<host>\S+) (?P<program>[^\[\s]+?)(?:\[(?P<pid>\d+)\])?: (?P<message>.*)`
fn syslog_head(s: &str, classic: bool) -> Head<'_> {
    let mut head = Head::default();
    let mut c = Cursor { s, at: 0 };
    let stamp = if classic {
        classic_stamp(&mut c)
    } else {
        iso_stamp(&mut c)
    };
    if stamp.is_none() || c.eat(' ').is_none() {
        return head;
    }
    let stamp_end = c.at - 1;
    let Some(host) = c.word() else { return head };
    let Some((program, pid, message_start)) = tag(&mut c) else {
        return head;
    };
    let raw_stamp = &s.as_bytes()[..stamp_end];
    match (classic, classic && is_plain_classic(raw_stamp)) {
        (true, true) => head.stamp = Some((0, stamp_end)),
        (true, false) => head.odd = Some((0, stamp_end)),
        (false, _) => match iso_micros(raw_stamp) {
            Some(micros) => head.time = Some(micros),
            None => head.odd = Some((0, stamp_end)),
        },
    }
    head.host = Some(Cow::Borrowed(host));
    head.program = Some(Cow::Borrowed(program));
    head.pid = pid.and_then(|p| p.parse().ok());
    head.message = Some(Cow::Borrowed(&s[message_start..]));
    head
}

/// `(?P<program>[^\[\s]+?)(?:\[(?P<pid>\d+)\])?: `, the program as short as it can be.
fn tag<'a>(c: &mut Cursor<'a>) -> Option<(&'a str, Option<&'a str>, usize)> {
    let start = c.at;
    let part = |c: char| c != '[' && !is_space(c);
    c.take(part)?;
    loop {
        let here = c.at;
        let rest = &c.s[here..];
        if rest.starts_with('[') {
            c.at += 1;
            let digits = c.at;
            while c.take(is_digit).is_some() {}
            let pid = &c.s[digits..c.at];
            if !pid.is_empty() && c.s[c.at..].starts_with("]: ") {
                return Some((&c.s[start..here], Some(pid), c.at + 3));
            }
            return None; // `[` can neither start a pid nor belong to the program
        }
        if rest.starts_with(": ") {
            return Some((&c.s[start..here], None, here + 2));
        }
        c.take(part)?;
    }
}

/// `<\d{1,3}>1 STAMP HOST PROGRAM PID MSGID (-|[SD]+) ?\u{FEFF}?MESSAGE`
fn rfc5424_head(s: &str) -> Head<'_> {
    let mut head = Head::default();
    let mut c = Cursor { s, at: 0 };
    let Some(fields) = rfc5424_fields(&mut c) else {
        return head;
    };
    let [stamp, host, program, pid] = fields;
    let stamp_range = (stamp.as_ptr() as usize - s.as_ptr() as usize, 0);
    let stamp_range = (stamp_range.0, stamp_range.0 + stamp.len());
    match iso_micros(stamp.as_bytes()) {
        Some(micros) => head.time = Some(micros),
        None => head.odd = Some(stamp_range),
    }
    head.host = Some(Cow::Borrowed(host));
    head.program = Some(Cow::Borrowed(program));
    head.pid = pid.parse().ok();
    head.message = Some(Cow::Borrowed(&s[c.at..]));
    head
}

fn rfc5424_fields<'a>(c: &mut Cursor<'a>) -> Option<[&'a str; 4]> {
    c.eat('<')?;
    let start = c.at;
    while c.take(is_digit).is_some() {}
    let priority = c.s[start..c.at].chars().count();
    if !(1..=3).contains(&priority) {
        return None;
    }
    c.eat('>')?;
    c.eat('1')?;
    c.eat(' ')?;
    let stamp = c.word()?;
    let host = c.word()?;
    let program = c.word()?;
    let pid = c.word()?;
    c.word()?; // MSGID
    if c.eat('-').is_none() {
        let mut elements = 0;
        while c.peek() == Some('[') {
            let before = c.at;
            if sd_element(c).is_none() {
                c.at = before;
                break;
            }
            elements += 1;
        }
        if elements == 0 {
            return None;
        }
    }
    let _ = c.eat(' ');
    let _ = c.eat('\u{FEFF}');
    Some([stamp, host, program, pid])
}

/// `\[(?:[^\]\\]|\\.)*\]`
fn sd_element(c: &mut Cursor<'_>) -> Option<()> {
    c.eat('[')?;
    loop {
        match c.take(|_| true)? {
            ']' => return Some(()),
            '\\' => {
                c.take(|c| c != '\n')?;
            }
            _ => {}
        }
    }
}

const JOURNALD_FIELDS: [&str; 6] = [
    "__REALTIME_TIMESTAMP",
    "_HOSTNAME",
    "SYSLOG_IDENTIFIER",
    "SYSLOG_PID",
    "_PID",
    "MESSAGE",
];

/// A `journalctl -o json` record; an odd one is left whole to Python.
fn journald_head(s: &str) -> Head<'_> {
    let Some(found) = json::fields(s, &JOURNALD_FIELDS) else {
        return Head {
            odd: Some((0, s.len())),
            ..Head::default()
        };
    };
    let [micros, host, program, syslog_pid, pid, message] =
        <[Option<Cow<'_, str>>; 6]>::try_from(found).unwrap_or_default();
    let time = micros.and_then(|m| m.parse::<i64>().ok());
    // A record without a readable time or message is not an envelope we can use.
    let usable = time.is_some() && message.is_some();
    Head {
        time,
        host,
        program: program.filter(|_| usable),
        pid: syslog_pid.or(pid).and_then(|p| p.parse().ok()),
        message,
        ..Head::default()
    }
}

#[cfg(test)]
mod tests;
