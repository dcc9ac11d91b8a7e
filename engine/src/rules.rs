//! The daemons' rule tables, compiled: which rule takes a message, and its captures.
//!
//! The tables themselves are written once, in Python (`parsers/daemons/*.py`, each
//! rule beside the Postfix source file that logs its shape), and handed over by
//! `parsers/native.py` as plain rows: (kind, test, literal, pattern, constants, words).
//! The semantics are those of `parsers/classify.py`: in a daemon's table, the first
//! rule whose cheap test holds claims the message, and its regex must then match (else
//! the line is unparsed); the verbose (debug) rules are tried after that, one by one,
//! on what is left, each with its test and its regex.

use std::collections::{HashMap, HashSet};

use memchr::memmem;
use regex::{CaptureLocations, Regex, RegexBuilder};

use crate::family::Families;
use crate::scan::{Scanner, Spans};

/// A rule's cheap test, as in `parsers/rules.py: Test`.
enum Test {
    Starts(String),
    Contains(Box<memmem::Finder<'static>>),
    Regex(Regex),
    /// The regex's first group, without its last character, is one of the words.
    Words(Regex, HashSet<String>),
}

impl Test {
    fn holds(&self, message: &str) -> bool {
        match self {
            Test::Starts(literal) => message.starts_with(literal.as_str()),
            Test::Contains(finder) => finder.find(message.as_bytes()).is_some(),
            Test::Regex(regex) => regex.is_match(message),
            Test::Words(regex, words) => regex
                .captures(message)
                .and_then(|c| c.get(1))
                .is_some_and(|first| {
                    let text = first.as_str();
                    let cut = text.char_indices().last().map_or(0, |(at, _)| at);
                    words.contains(&text[..cut])
                }),
        }
    }
}

/// A rule's fast path, as `parsers/rules.py: FastPath` has it: a one-pass regex for the
/// rule's usual lines, checks its captures must pass, closing characters to drop, and a
/// tail split by a regex of its own.
pub struct FastSpec {
    pub pattern: String,
    pub checks: Vec<(String, String)>,
    pub closing: Vec<(String, String)>,
    pub tail: Option<(String, String)>,
}

/// One row of a table, as Python describes it.
pub struct RuleSpec {
    pub kind: String,
    pub test: String,
    pub literal: String,
    pub pattern: String,
    pub constants: Vec<(String, String)>,
    pub words: Vec<String>,
    pub fast: Option<FastSpec>,
    /// A hand-written scanner for the rule's plain lines (engine/src/scan.rs).
    pub scanner: Option<String>,
}

/// A compiled fast path; groups are indexes of `regex`'s capture groups.
struct Fast {
    regex: Regex,
    /// For each group: the kind's column it fills (none for `_`-named, internal groups).
    columns: Vec<Option<usize>>,
    checks: Vec<(usize, Regex)>,
    closing: Vec<(usize, String)>,
    /// (the group split, the regex splitting it, the column of each of its groups)
    tail: Option<(usize, Regex, Vec<Option<usize>>)>,
}

impl Fast {
    fn compile(spec: FastSpec, columns: &mut Vec<String>) -> Result<Fast, String> {
        let regex = compile(&spec.pattern)?;
        let group = |name: &str| -> Result<usize, String> {
            regex
                .capture_names()
                .position(|n| n == Some(name))
                .ok_or_else(|| format!("fast path {:?}: no group {name:?}", spec.pattern))
        };
        let checks = spec
            .checks
            .iter()
            .map(|(name, check)| Ok((group(name)?, compile(check)?)))
            .collect::<Result<_, String>>()?;
        let closing = spec
            .closing
            .into_iter()
            .map(|(name, last)| Ok((group(&name)?, last)))
            .collect::<Result<_, String>>()?;
        let tail = match spec.tail {
            None => None,
            Some((name, pattern)) => {
                let split = compile(&pattern)?;
                let own = named_columns(&split, columns);
                Some((group(&name)?, split, own))
            }
        };
        Ok(Fast {
            columns: named_columns(&regex, columns),
            regex,
            checks,
            closing,
            tail,
        })
    }
}

/// The kind's column of each group of `regex` (none for unnamed and `_`-named groups).
fn named_columns(regex: &Regex, columns: &mut Vec<String>) -> Vec<Option<usize>> {
    regex
        .capture_names()
        .map(|name| {
            name.filter(|n| !n.starts_with('_'))
                .map(|n| column_of(columns, n))
        })
        .collect()
}

/// One thread's capture locations for every rule: its regex, fast path and tail.
pub struct Locations {
    scan: Spans,
    full: Vec<CaptureLocations>,
    fast: Vec<Option<(CaptureLocations, Option<CaptureLocations>)>>,
}

struct Rule {
    kind: usize,
    test: Test,
    regex: Regex,
    /// For each capture group of `regex`: the column of its kind it fills, if named.
    groups: Vec<Option<usize>>,
    /// (column, value) set on every event of the rule, after the captures.
    constants: Vec<(usize, String)>,
    fast: Option<Fast>,
    /// The scanner, and the column of each of its groups.
    scanner: Option<(Scanner, Vec<usize>)>,
}

/// A kind's string columns: every group name and constant of its rules, in first-seen
/// order (as the Polars path's frames, whose union they are).
pub struct KindColumns {
    pub name: String,
    pub columns: Vec<String>,
    /// The column whose IP family the engine works out (as `_ip_family`), if any.
    pub family: Option<usize>,
}

pub struct Table {
    rules: Vec<Rule>,
    pub kinds: Vec<KindColumns>,
    /// daemon → (its rules, its debug rules), indexes into `rules`.
    daemons: HashMap<String, (Vec<usize>, Vec<usize>)>,
    postfix: HashSet<String>,
    spf_programs: HashSet<String>,
    spf_daemon: String,
    families: Option<Families>,
}

/// What the table made of a message.
pub enum Outcome {
    /// The rule that took the message (its captures are in its capture locations), and
    /// which of its paths did.
    Event(usize, Path),
    Unparsed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    Scanner,
    Fast,
    Regex,
}

fn compile(pattern: &str) -> Result<Regex, String> {
    // The verbose formats are one large alternation: room for it, as Polars gives.
    RegexBuilder::new(pattern)
        .size_limit(1 << 28)
        .dfa_size_limit(1 << 28)
        .build()
        .map_err(|e| format!("rule regex {pattern:?}: {e}"))
}

fn column_of(columns: &mut Vec<String>, name: &str) -> usize {
    match columns.iter().position(|c| c == name) {
        Some(at) => at,
        None => {
            columns.push(name.to_string());
            columns.len() - 1
        }
    }
}

impl Table {
    /// `daemons`: (name, rule indexes, debug rule indexes).
    pub fn new(
        specs: Vec<RuleSpec>,
        daemons: Vec<(String, Vec<usize>, Vec<usize>)>,
        postfix: Vec<String>,
        spf_programs: Vec<String>,
        spf_daemon: String,
    ) -> Result<Table, String> {
        let mut kinds: Vec<KindColumns> = Vec::new();
        let mut rules = Vec::with_capacity(specs.len());
        for spec in specs {
            let kind = match kinds.iter().position(|k| k.name == spec.kind) {
                Some(at) => at,
                None => {
                    kinds.push(KindColumns {
                        name: spec.kind.clone(),
                        columns: Vec::new(),
                        family: None,
                    });
                    kinds.len() - 1
                }
            };
            let test = match spec.test.as_str() {
                "starts" => Test::Starts(spec.literal),
                "contains" => Test::Contains(Box::new(
                    memmem::Finder::new(spec.literal.as_bytes()).into_owned(),
                )),
                "regex" => Test::Regex(compile(&spec.literal)?),
                "words" => {
                    let literal = spec.literal.strip_prefix('^').unwrap_or(&spec.literal);
                    Test::Words(
                        compile(&format!("^({literal})"))?,
                        spec.words.into_iter().collect(),
                    )
                }
                other => return Err(format!("unknown rule test {other:?}")),
            };
            let regex = compile(&spec.pattern)?;
            let columns = &mut kinds[kind].columns;
            let groups = regex
                .capture_names()
                .map(|name| name.map(|n| column_of(columns, n)))
                .collect();
            let fast = spec.fast.map(|f| Fast::compile(f, columns)).transpose()?;
            let scanner = match spec.scanner {
                None => None,
                Some(name) => {
                    let scanner = Scanner::from_name(&name)
                        .ok_or_else(|| format!("unknown scanner {name:?}"))?;
                    let groups = scanner.groups();
                    if let Some(group) = groups
                        .iter()
                        .find(|g| !regex.capture_names().any(|n| n == Some(**g)))
                    {
                        return Err(format!("scanner {name:?}: no group {group:?} to fill"));
                    }
                    let own = groups.iter().map(|g| column_of(columns, g)).collect();
                    Some((scanner, own))
                }
            };
            let constants = spec
                .constants
                .into_iter()
                .map(|(name, value)| (column_of(columns, &name), value))
                .collect();
            rules.push(Rule {
                kind,
                test,
                regex,
                groups,
                constants,
                fast,
                scanner,
            });
        }
        let count = rules.len();
        let mut by_daemon = HashMap::new();
        for (name, own, debug) in daemons {
            if let Some(bad) = own.iter().chain(&debug).find(|&&i| i >= count) {
                return Err(format!("daemon {name:?}: no rule {bad}"));
            }
            by_daemon.insert(name, (own, debug));
        }
        Ok(Table {
            rules,
            kinds,
            daemons: by_daemon,
            postfix: postfix.into_iter().collect(),
            spf_programs: spf_programs.into_iter().collect(),
            spf_daemon,
            families: None,
        })
    }

    /// Work out the IP family of `column` for the events of `kind`, for each pair (as
    /// parsers/derive.py would from the captured address).
    pub fn derive_families(&mut self, pairs: Vec<(String, String)>) -> Result<(), String> {
        self.families = Some(Families::new().map_err(|e| e.to_string())?);
        for (kind, column) in pairs {
            if let Some(k) = self.kinds.iter_mut().find(|k| k.name == kind) {
                let at = k.columns.iter().position(|c| *c == column);
                k.family = Some(at.ok_or_else(|| format!("{kind}: no column {column:?}"))?);
            }
        }
        Ok(())
    }

    pub fn family_of(&self, ip: &str) -> Option<&'static str> {
        self.families.as_ref().and_then(|f| f.of(ip))
    }

    /// The table a program's lines go to (`parsers/stream.py: _daemon_of`); None: not mail.
    pub fn daemon_of(&self, program: &str) -> Option<&str> {
        let base = program.rsplit('/').next().unwrap_or(program);
        if self.spf_programs.contains(base) {
            return Some(&self.spf_daemon);
        }
        if program.contains('/') {
            return self.postfix.get(base).map(String::as_str);
        }
        None
    }

    /// Capture locations for every rule, for one thread's use.
    pub fn locations(&self) -> Locations {
        Locations {
            scan: [None; 16],
            full: self
                .rules
                .iter()
                .map(|r| r.regex.capture_locations())
                .collect(),
            fast: self
                .rules
                .iter()
                .map(|r| {
                    r.fast.as_ref().map(|f| {
                        let tail = f.tail.as_ref().map(|(_, t, _)| t.capture_locations());
                        (f.regex.capture_locations(), tail)
                    })
                })
                .collect(),
        }
    }

    /// Whether rule `i`'s fast path takes `message` (as classify.py's _fast_capture).
    fn fast_takes(&self, i: usize, message: &str, locs: &mut Locations) -> bool {
        let (Some(fast), Some((own, tail_locs))) = (&self.rules[i].fast, &mut locs.fast[i]) else {
            return false;
        };
        if fast.regex.captures_read(own, message).is_none() {
            return false;
        }
        let text = |group: usize| own.get(group).and_then(|(a, b)| message.get(a..b));
        let checked = fast
            .checks
            .iter()
            .all(|(group, check)| text(*group).is_none_or(|t| check.is_match(t)));
        let closed = fast
            .closing
            .iter()
            .all(|(group, last)| text(*group).is_none_or(|t| t.ends_with(last.as_str())));
        let tailed = match (&fast.tail, tail_locs) {
            // a tail that did not take part is null, and a null tail is not taken
            (Some((group, split, _)), Some(tail_locs)) => {
                text(*group).is_some_and(|t| split.captures_read(tail_locs, t).is_some())
            }
            _ => true,
        };
        checked && closed && tailed
    }

    /// The rule that takes `message` of `daemon` (its captures then in `locs`).
    pub fn apply(&self, daemon: &str, message: &str, locs: &mut Locations) -> Outcome {
        let Some((own, debug)) = self.daemons.get(daemon) else {
            return Outcome::Unparsed;
        };
        let claimed = own.iter().find(|&&i| self.rules[i].test.holds(message));
        if let Some(&i) = claimed {
            if let Some((scanner, _)) = &self.rules[i].scanner {
                if let Some(spans) = scanner.scan(message) {
                    locs.scan = spans;
                    return Outcome::Event(i, Path::Scanner);
                }
            }
            if self.fast_takes(i, message, locs) {
                return Outcome::Event(i, Path::Fast);
            }
            let full = &mut locs.full[i];
            if self.rules[i].regex.captures_read(full, message).is_some() {
                return Outcome::Event(i, Path::Regex);
            }
        }
        for &i in debug {
            let rule = &self.rules[i];
            if rule.test.holds(message)
                && rule
                    .regex
                    .captures_read(&mut locs.full[i], message)
                    .is_some()
            {
                return Outcome::Event(i, Path::Regex);
            }
        }
        Outcome::Unparsed
    }

    pub fn kind_of(&self, rule: usize) -> usize {
        self.rules[rule].kind
    }

    /// For tests: where rule `rule`'s scanner takes `message`, the full regex must
    /// match it too and capture the same text in every column. An error says where not.
    pub fn check_scanner(&self, rule: usize, message: &str) -> Result<(), String> {
        let Some((scanner, _)) = &self.rules[rule].scanner else {
            return Ok(());
        };
        if scanner.scan(message).is_none() {
            return Ok(());
        }
        let mut locs = self.locations();
        locs.scan = scanner.scan(message).unwrap_or_default();
        let columns = self.kinds[self.rules[rule].kind].columns.len();
        let mut scanned = vec![None; columns];
        self.fields((rule, Path::Scanner), message, &locs, |c, t| {
            scanned[c] = Some(t)
        });
        if self.rules[rule]
            .regex
            .captures_read(&mut locs.full[rule], message)
            .is_none()
        {
            return Err(format!("{scanner:?} takes {message:?}, its regex does not"));
        }
        let mut matched = vec![None; columns];
        self.fields((rule, Path::Regex), message, &locs, |c, t| {
            matched[c] = Some(t)
        });
        if scanned != matched {
            return Err(format!(
                "{scanner:?} on {message:?}: {scanned:?}, the regex: {matched:?}"
            ));
        }
        Ok(())
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The columns a rule's regex and constants fill: those the Polars path's frame has
    /// when the rule took a line (its fast path's and scanner's are among them).
    pub fn columns_of(&self, rule: usize) -> impl Iterator<Item = usize> + '_ {
        let rule = &self.rules[rule];
        let groups = rule.groups.iter().flatten().copied();
        groups.chain(rule.constants.iter().map(|(column, _)| *column))
    }

    /// (column, text) of each group the rule's regex (or fast path) captured, then its
    /// constants.
    pub fn fields<'m>(
        &'m self,
        outcome: (usize, Path),
        message: &'m str,
        locs: &Locations,
        mut put: impl FnMut(usize, &'m str),
    ) {
        let (i, path) = outcome;
        let rule = &self.rules[i];
        let from = |locs: &CaptureLocations, group: usize| {
            locs.get(group).and_then(|(a, b)| message.get(a..b))
        };
        if let (Path::Scanner, Some((_, columns))) = (path, &rule.scanner) {
            for (column, span) in columns.iter().zip(&locs.scan) {
                if let Some(text) = span.and_then(|(a, b)| message.get(a..b)) {
                    put(*column, text);
                }
            }
            for (column, value) in &rule.constants {
                put(*column, value);
            }
            return;
        }
        match (&rule.fast, &locs.fast[i]) {
            (Some(path), Some((own, tail_locs))) if path_is_fast(outcome.1) => {
                for (group, column) in path.columns.iter().enumerate() {
                    let (Some(column), Some(mut text)) = (column, from(own, group)) else {
                        continue;
                    };
                    if let Some((_, last)) = path.closing.iter().find(|(g, _)| *g == group) {
                        text = text.strip_suffix(last.as_str()).unwrap_or(text);
                    }
                    put(*column, text);
                }
                if let (Some((group, _, columns)), Some(tail_locs)) = (&path.tail, tail_locs) {
                    if let Some(tail) = from(own, *group) {
                        for (g, column) in columns.iter().enumerate() {
                            let text = tail_locs.get(g).and_then(|(a, b)| tail.get(a..b));
                            if let (Some(column), Some(text)) = (column, text) {
                                put(*column, text);
                            }
                        }
                    }
                }
            }
            _ => {
                for (group, column) in rule.groups.iter().enumerate() {
                    if let (Some(column), Some(text)) = (column, from(&locs.full[i], group)) {
                        put(*column, text);
                    }
                }
            }
        }
        for (column, value) in &rule.constants {
            put(*column, value);
        }
    }
}

fn path_is_fast(path: Path) -> bool {
    path == Path::Fast
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: &str, test: &str, literal: &str, pattern: &str) -> RuleSpec {
        RuleSpec {
            kind: kind.into(),
            test: test.into(),
            literal: literal.into(),
            pattern: pattern.into(),
            constants: vec![],
            words: vec![],
            fast: None,
            scanner: None,
        }
    }

    fn table() -> Table {
        let mut connect = spec(
            "connect",
            "starts",
            "connect from ",
            r"^connect from (?P<client_host>[^\[]*)\[(?P<client_ip>[^\]]*)\]$",
        );
        connect.constants = vec![("client_host".into(), "x".into())];
        let mut words = spec("debug", "words", r"^[a-z_]+[:( ]", r"^(?P<text>.*)$");
        words.words = vec!["dict_eval".into()];
        Table::new(
            vec![
                connect,
                spec("log", "contains", "warning: ", r"^warning: (?P<text>.*)$"),
                words,
            ],
            vec![("smtpd".into(), vec![0, 1], vec![2])],
            vec!["smtpd".into(), "qmgr".into()],
            vec!["policyd-spf".into()],
            "policyd-spf".into(),
        )
        .expect("compiles")
    }

    fn run(table: &Table, message: &str) -> Option<(String, Vec<(usize, String)>)> {
        let mut locs = table.locations();
        match table.apply("smtpd", message, &mut locs) {
            Outcome::Unparsed => None,
            Outcome::Event(rule, fast) => {
                let mut got = Vec::new();
                table.fields((rule, fast), message, &locs, |c, t| {
                    got.push((c, t.to_string()))
                });
                Some((table.kinds[table.kind_of(rule)].name.clone(), got))
            }
        }
    }

    #[test]
    fn first_test_claims_and_its_regex_must_match() {
        let t = table();
        let (kind, fields) = run(&t, "connect from a[1.2.3.4]").expect("an event");
        assert_eq!(kind, "connect");
        assert_eq!(
            fields,
            [(0, "a".into()), (1, "1.2.3.4".into()), (0, "x".into())]
        );
        // claimed by the connect rule, not matched: unparsed even though "warning: " is in it
        assert!(run(&t, "connect from nowhere warning: x").is_none());
        assert!(run(&t, "dict_eval: x").is_some());
        assert!(run(&t, "dict_evil: x").is_none());
    }

    #[test]
    fn programs_map_to_daemons() {
        let t = table();
        assert_eq!(t.daemon_of("postfix/smtpd"), Some("smtpd"));
        assert_eq!(t.daemon_of("smtpd"), None);
        assert_eq!(t.daemon_of("postfix/qmgr"), Some("qmgr")); // Postfix, without a table
        let mut locs = t.locations();
        assert!(matches!(
            t.apply("qmgr", "connect from a[b]", &mut locs),
            Outcome::Unparsed
        ));
        assert_eq!(t.daemon_of("x/policyd-spf"), Some("policyd-spf"));
        assert_eq!(t.daemon_of("cron"), None);
    }

    #[test]
    fn fast_paths_check_close_and_split_their_captures() {
        let mut delivery = spec(
            "delivery",
            "contains",
            ": to=<",
            r"^(?P<queue_id>[0-9A-F]+): to=<(?P<to>[^>]*)>, status=(?P<status>\S+)(?: \((?P<reason>.*)\))?(?P<more>.*)$",
        );
        delivery.fast = Some(FastSpec {
            pattern: r"^(?P<queue_id>[0-9A-Za-z]+): to=<(?P<to>[^>]*)>, status=(?P<status>[^ ;]+)(?: \((?P<reason>[^;]*))?(?P<_d>;.*)?$".into(),
            checks: vec![("queue_id".into(), "^[0-9A-F]+$".into())],
            closing: vec![("reason".into(), ")".into())],
            tail: Some(("_d".into(), r"^;(?P<more>.*)$".into())),
        });
        let t = Table::new(
            vec![delivery],
            vec![("smtp".into(), vec![0], vec![])],
            vec!["smtp".into()],
            vec![],
            String::new(),
        )
        .expect("compiles");
        let mut locs = t.locations();
        let mut fields = |message: &str| {
            let Outcome::Event(rule, fast) = t.apply("smtp", message, &mut locs) else {
                return None;
            };
            let mut got = vec![String::new(); t.kinds[0].columns.len()];
            t.fields((rule, fast), message, &locs, |c, text| got[c] = text.into());
            Some((fast, got))
        };
        let (fast, got) = fields("ABC12: to=<a@b>, status=sent (ok);x").expect("taken");
        assert_eq!(fast, Path::Fast);
        assert_eq!(got, ["ABC12", "a@b", "sent", "ok", "x"]);
        // a lower-case queue id fails the check: the full regex takes it (or not)
        assert_eq!(fields("abc12: to=<a@b>, status=sent;x"), None);
        // no tail: the fast path does not take it, the full regex does
        let (fast, got) = fields("ABC12: to=<a@b>, status=sent (ok)").expect("taken");
        assert_eq!(fast, Path::Regex);
        assert_eq!(got, ["ABC12", "a@b", "sent", "ok", ""]);
    }
}
