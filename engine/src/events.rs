//! One pass over a chunk: envelope, dispatch by daemon, the daemon's rules, captures
//! into each event kind's columns. What Python gets back (`parsers/native.py`):
//!
//! - per event kind with events: `seq`, `host`, `program`, `pid`, `daemon` and the
//!   kind's capture and constant columns (strings; `parsers/derive.py` types them);
//! - the unparsed lines (`seq`, `host`, `program`, `pid`, `line`) and the "odd" text of
//!   unparsed and not-mail lines (for `parsers/garbage.py`);
//! - every line's `time`, `stamp` and `odd` envelope columns, for the year and zone
//!   rules Python keeps, and the journald records the engine leaves to Python whole;
//! - the not-mail lines counted by program.
//!
//! The chunk's text is dropped when this returns: every column owns its bytes.

use std::cell::Cell;
use std::collections::HashMap;

use crate::columns::{Column, Frame, IntColumn, Overflow, StringColumn};
use crate::envelope::{split, Envelope, Format, Span};
use crate::lines::TooLarge;
use crate::rules::{KindColumns, Outcome, Table};

pub const NO_ENVELOPE: &str = "(no envelope)";

#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    TooLarge(usize),
    Overflow,
}

impl From<TooLarge> for Failure {
    fn from(e: TooLarge) -> Failure {
        Failure::TooLarge(e.0)
    }
}

impl From<Overflow> for Failure {
    fn from(_: Overflow) -> Failure {
        Failure::Overflow
    }
}

pub struct Parsed {
    pub rows: usize,
    /// (kind name, its events), for the kinds that have some.
    pub kinds: Vec<(String, Frame)>,
    pub unparsed: Frame,
    pub odd: Frame,
    pub envelope: Frame,
    pub not_mail: Vec<(String, u64)>,
    /// Rows the engine left to Python whole (odd journald records).
    pub deferred: Vec<i64>,
}

#[derive(Default)]
struct Common {
    seq: IntColumn,
    host: StringColumn,
    program: StringColumn,
    pid: IntColumn,
}

impl Common {
    fn push(
        &mut self,
        seq: i64,
        host: Option<&str>,
        program: Option<&str>,
        pid: Option<i64>,
    ) -> Result<(), Overflow> {
        self.seq.push(Some(seq));
        self.host.push(host)?;
        self.program.push(program)?;
        self.pid.push(pid);
        Ok(())
    }

    fn columns(self) -> Vec<(String, Column)> {
        vec![
            ("seq".into(), Column::Int64(self.seq)),
            ("host".into(), Column::Str(self.host)),
            ("program".into(), Column::Str(self.program)),
            ("pid".into(), Column::Int64(self.pid)),
        ]
    }
}

/// A kind's events. Its columns are those of the rules that took a line in the chunk
/// (as the Polars path's frames have them), made when a rule first needs them.
struct KindBuilder {
    common: Common,
    daemon: StringColumn,
    fields: Vec<Option<StringColumn>>,
    family: StringColumn,
}

impl KindBuilder {
    /// Make the columns of `rule` that are not there yet, null up to now.
    fn open(&mut self, table: &Table, rule: usize) -> Result<(), Overflow> {
        let rows = self.daemon.len();
        for column in table.columns_of(rule) {
            if self.fields[column].is_none() {
                let mut made = StringColumn::default();
                for _ in 0..rows {
                    made.push(None)?;
                }
                self.fields[column] = Some(made);
            }
        }
        Ok(())
    }

    fn frame(self, kind: &KindColumns) -> Frame {
        let rows = self.daemon.len();
        let mut columns = self.common.columns();
        columns.push(("daemon".into(), Column::Str(self.daemon)));
        // the family of an address column the frame has (derive.py's, by the engine)
        let family = kind.family.filter(|&c| self.fields[c].is_some());
        for (name, column) in kind.columns.iter().zip(self.fields) {
            if let Some(column) = column {
                columns.push((name.clone(), Column::Str(column)));
            }
        }
        if family.is_some() {
            columns.push(("_ip_family".into(), Column::Str(self.family)));
        }
        Frame { rows, columns }
    }
}

fn text_of(env: &Envelope, span: Option<Span>) -> Option<&str> {
    span.map(|s| env.text(s))
}

/// Parse a chunk of whole lines; `seq` numbers its lines from `first_seq`. `progress`
/// holds the text offset of the line being read, so a failure can say where.
pub fn parse(
    chunk: &[u8],
    format: Format,
    table: &Table,
    first_seq: i64,
    progress: &Cell<usize>,
) -> Result<Parsed, Failure> {
    let env = split(chunk, format, progress)?;
    let rows = env.rows();
    let mut locs = table.locations();
    let mut kinds: Vec<Option<KindBuilder>> = table.kinds.iter().map(|_| None).collect();
    let mut unparsed = Common::default();
    let mut unparsed_line = StringColumn::default();
    let mut odd = StringColumn::default();
    let mut odd_text = String::new();
    let mut not_mail: HashMap<&str, u64> = HashMap::new();
    let mut daemons: HashMap<&str, Option<&str>> = HashMap::new();
    let mut deferred = Vec::new();
    let mut scratch: Vec<Option<&str>> = Vec::new();
    let mut seen = vec![false; table.rule_count()];
    let mut envelope = (
        IntColumn::default(),
        StringColumn::default(),
        StringColumn::default(),
    );

    for row in 0..rows {
        let line_span = env.line[row];
        progress.set(line_span.start as usize);
        let seq = first_seq + row as i64;
        let line = env.text(line_span);
        envelope.0.push(env.time[row]);
        envelope.1.push(text_of(&env, env.stamp[row]))?;
        envelope.2.push(text_of(&env, env.odd[row]))?;
        let host = text_of(&env, env.host[row]);
        let pid = env.pid[row];
        let message = text_of(&env, env.message[row]);
        let Some(program) = text_of(&env, env.program[row]) else {
            if format == Format::Journald && env.odd[row].is_some() {
                deferred.push(row as i64);
                continue;
            }
            unparsed.push(seq, host, Some(NO_ENVELOPE), pid)?;
            unparsed_line.push(Some(line))?;
            odd_text.clear();
            odd_text.push_str(NO_ENVELOPE);
            odd_text.push_str(": ");
            odd_text.push_str(message.unwrap_or(line));
            odd.push(Some(&odd_text))?;
            continue;
        };
        let daemon = *daemons
            .entry(program)
            .or_insert_with(|| table.daemon_of(program));
        let Some(daemon) = daemon else {
            *not_mail.entry(program).or_default() += 1;
            odd.push(message.map(|m| {
                odd_text.clear();
                odd_text.push_str(program);
                odd_text.push_str(": ");
                odd_text.push_str(m);
                odd_text.as_str()
            }))?;
            continue;
        };
        let outcome = match message {
            Some(m) => table.apply(daemon, m, &mut locs),
            None => Outcome::Unparsed,
        };
        let (Outcome::Event(rule, fast), Some(message)) = (outcome, message) else {
            unparsed.push(seq, host, Some(program), pid)?;
            unparsed_line.push(Some(line))?;
            odd_text.clear();
            odd_text.push_str(program);
            odd_text.push_str(": ");
            odd_text.push_str(message.unwrap_or(line));
            odd.push(Some(&odd_text))?;
            continue;
        };
        let kind = table.kind_of(rule);
        let names = &table.kinds[kind].columns;
        let builder = kinds[kind].get_or_insert_with(|| KindBuilder {
            common: Common::default(),
            daemon: StringColumn::default(),
            fields: names.iter().map(|_| None).collect(),
            family: StringColumn::default(),
        });
        if !seen[rule] {
            seen[rule] = true;
            builder.open(table, rule)?;
        }
        builder.common.push(seq, host, Some(program), pid)?;
        builder.daemon.push(Some(daemon))?;
        scratch.clear();
        scratch.resize(names.len(), None);
        table.fields((rule, fast), message, &locs, |column, text| {
            scratch[column] = Some(text);
        });
        for (column, value) in builder.fields.iter_mut().zip(&scratch) {
            if let Some(column) = column {
                column.push(*value)?;
            }
        }
        if let Some(ip) = table.kinds[kind].family {
            builder
                .family
                .push(scratch[ip].and_then(|a| table.family_of(a)))?;
        }
    }

    let kinds = kinds
        .into_iter()
        .zip(&table.kinds)
        .filter_map(|(built, kind)| built.map(|b| (kind.name.clone(), b.frame(kind))))
        .collect();
    let mut not_mail: Vec<(String, u64)> = not_mail
        .into_iter()
        .map(|(program, count)| (program.to_string(), count))
        .collect();
    not_mail.sort();
    let unparsed_rows = unparsed_line.len();
    let mut unparsed_columns = unparsed.columns();
    unparsed_columns.push(("line".into(), Column::Str(unparsed_line)));
    Ok(Parsed {
        rows,
        kinds,
        unparsed: Frame {
            rows: unparsed_rows,
            columns: unparsed_columns,
        },
        odd: Frame {
            rows: odd.len(),
            columns: vec![("odd".into(), Column::Str(odd))],
        },
        envelope: Frame {
            rows,
            columns: vec![
                ("time".into(), Column::TimeUtc(envelope.0)),
                ("stamp".into(), Column::Str(envelope.1)),
                ("odd".into(), Column::Str(envelope.2)),
            ],
        },
        not_mail,
        deferred,
    })
}
