//! Just enough JSON for `journalctl -o json`: a record is one flat object whose wanted
//! fields are strings. A record the engine cannot vouch for (invalid JSON, a wanted
//! field twice or not a string, an escaped key, deep nesting) is `None`, and Python
//! reads it with Polars' JSON path instead, so odd records keep their old meaning.

use std::borrow::Cow;

/// Fields of a record, by position in the `wanted` list given to `fields`.
pub type Fields<'a> = Vec<Option<Cow<'a, str>>>;

const MAX_DEPTH: usize = 100;

struct Reader<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.at..self.at + 4)?;
        let value = u32::from_str_radix(digits, 16).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None; // from_str_radix takes a leading '+'
        }
        self.at += 4;
        Some(value)
    }

    /// A string after its opening quote: borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.at;
        let mut owned: Option<String> = None;
        loop {
            let rest = &self.s.as_bytes()[self.at..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            if let Some(text) = owned.as_mut() {
                text.push_str(&self.s[self.at..self.at + run]);
            }
            self.at += run;
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(match owned {
                        Some(text) => Cow::Owned(text),
                        None => Cow::Borrowed(&self.s[start..self.at - 1]),
                    });
                }
                b'\\' => {
                    let text = owned.get_or_insert_with(|| self.s[start..self.at].to_string());
                    self.at += 1;
                    let escape = self.peek()?;
                    self.at += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let unit = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&unit) {
                                self.eat(b'\\')?;
                                self.eat(b'u')?;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                unit
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    text.push(c);
                }
                _ => return None, // a raw control character
            }
        }
    }

    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.s[self.at..]
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    /// Any JSON value, checked and passed over.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.string().map(|_| ())
            }
            b'{' => {
                self.at += 1;
                self.members(|reader, _| reader.skip_value(depth + 1))
            }
            b'[' => {
                self.at += 1;
                self.skip_space();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    self.skip_space();
                    if self.eat(b']').is_some() {
                        return Some(());
                    }
                    self.eat(b',')?;
                }
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    /// The members of an object after its `{`, each value read by `value(key)`.
    fn members(
        &mut self,
        mut value: impl FnMut(&mut Self, Cow<'a, str>) -> Option<()>,
    ) -> Option<()> {
        self.skip_space();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.skip_space();
            self.eat(b'"')?;
            let key = self.string()?;
            self.skip_space();
            self.eat(b':')?;
            value(self, key)?;
            self.skip_space();
            if self.eat(b'}').is_some() {
                return Some(());
            }
            self.eat(b',')?;
        }
    }
}

/// The wanted fields of a one-line JSON object, or None if the engine leaves it to Python.
pub fn fields<'a>(line: &'a str, wanted: &[&str]) -> Option<Fields<'a>> {
    let mut reader = Reader { s: line, at: 0 };
    let mut found: Fields<'a> = vec![None; wanted.len()];
    reader.skip_space();
    reader.eat(b'{')?;
    reader.members(|reader, key| {
        if matches!(key, Cow::Owned(_)) {
            return None; // an escaped key might spell a wanted one
        }
        match wanted.iter().position(|w| *w == key) {
            None => reader.skip_value(1),
            Some(index) => {
                reader.skip_space();
                reader.eat(b'"')?;
                let text = reader.string()?;
                if found[index].replace(text).is_some() {
                    return None; // which of two copies Polars takes is its business
                }
                Some(())
            }
        }
    })?;
    reader.skip_space();
    (reader.at == line.len()).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: &[&str] = &["MESSAGE", "_PID"];

    fn read(line: &str) -> Option<Vec<Option<String>>> {
        fields(line, WANTED).map(|f| f.into_iter().map(|v| v.map(|c| c.into_owned())).collect())
    }

    #[test]
    fn strings_are_unescaped() {
        let got =
            read(r#" {"a":[1,-2.5e3,{"b":null}],"MESSAGE":"x\"\u00e9\ud83d\ude00\n","c":true} "#);
        assert_eq!(got, Some(vec![Some("x\"é😀\n".to_string()), None]));
    }

    #[test]
    fn odd_records_are_left_to_python() {
        for line in [
            r#"{"MESSAGE":1}"#,
            r#"{"MESSAGE":"a","MESSAGE":"b"}"#,
            r#"{"MESS\u0041GE":"a"}"#,
            r#"{"MESSAGE":"\ud800"}"#,
            r#"{"MESSAGE":"a"} x"#,
            r#"{"a":01}"#,
            r#"{"a":[1,]}"#,
            "[1]",
            "{\"MESSAGE\":\"a\tb\"}",
            "",
        ] {
            assert_eq!(read(line), None, "{line}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(read(&deep), None);
    }
}
