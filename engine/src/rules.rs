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

/// A rule's cheap test, as in `parsers/rules.py: Test`.
enum Test {
    Starts(String),
    Contains(memmem::Finder<'static>),
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

/// One row of a table, as Python describes it.
pub struct RuleSpec {
    pub kind: String,
    pub test: String,
    pub literal: String,
    pub pattern: String,
    pub constants: Vec<(String, String)>,
    pub words: Vec<String>,
}

struct Rule {
    kind: usize,
    test: Test,
    regex: Regex,
    /// For each capture group of `regex`: the column of its kind it fills, if named.
    groups: Vec<Option<usize>>,
    /// (column, value) set on every event of the rule, after the captures.
    constants: Vec<(usize, String)>,
}

/// A kind's string columns: every group name and constant of its rules, in first-seen
/// order (as the Polars path's frames, whose union they are).
pub struct KindColumns {
    pub name: String,
    pub columns: Vec<String>,
}

pub struct Table {
    rules: Vec<Rule>,
    pub kinds: Vec<KindColumns>,
    /// daemon → (its rules, its debug rules), indexes into `rules`.
    daemons: HashMap<String, (Vec<usize>, Vec<usize>)>,
    postfix: HashSet<String>,
    spf_programs: HashSet<String>,
    spf_daemon: String,
}

/// What the table made of a message.
pub enum Outcome {
    /// (rule index) its captures are in the capture locations of that rule.
    Event(usize),
    Unparsed,
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
                    });
                    kinds.len() - 1
                }
            };
            let test = match spec.test.as_str() {
                "starts" => Test::Starts(spec.literal),
                "contains" => {
                    Test::Contains(memmem::Finder::new(spec.literal.as_bytes()).into_owned())
                }
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
        })
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

    /// One capture-location set per rule, for one thread's use.
    pub fn locations(&self) -> Vec<CaptureLocations> {
        self.rules
            .iter()
            .map(|r| r.regex.capture_locations())
            .collect()
    }

    /// The rule that takes `message` of `daemon` (its captures then in `locs[rule]`).
    pub fn apply(&self, daemon: &str, message: &str, locs: &mut [CaptureLocations]) -> Outcome {
        let Some((own, debug)) = self.daemons.get(daemon) else {
            return Outcome::Unparsed;
        };
        let claimed = own.iter().find(|&&i| self.rules[i].test.holds(message));
        if let Some(&i) = claimed {
            if self.rules[i]
                .regex
                .captures_read(&mut locs[i], message)
                .is_some()
            {
                return Outcome::Event(i);
            }
        }
        for &i in debug {
            let rule = &self.rules[i];
            if rule.test.holds(message) && rule.regex.captures_read(&mut locs[i], message).is_some()
            {
                return Outcome::Event(i);
            }
        }
        Outcome::Unparsed
    }

    pub fn kind_of(&self, rule: usize) -> usize {
        self.rules[rule].kind
    }

    /// (column, text) of each group the rule's regex captured, then its constants.
    pub fn fields<'m>(
        &'m self,
        rule: usize,
        message: &'m str,
        locs: &CaptureLocations,
        mut put: impl FnMut(usize, &'m str),
    ) {
        let rule = &self.rules[rule];
        for (group, column) in rule.groups.iter().enumerate() {
            if let (Some(column), Some((start, end))) = (column, locs.get(group)) {
                if let Some(text) = message.get(start..end) {
                    put(*column, text);
                }
            }
        }
        for (column, value) in &rule.constants {
            put(*column, value);
        }
    }
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
            Outcome::Event(rule) => {
                let mut got = Vec::new();
                table.fields(rule, message, &locs[rule], |c, t| {
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
}
