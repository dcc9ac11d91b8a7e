//! A chunk of raw bytes (whole lines) as UTF-8 text and one span per line.
//!
//! The same lines as `pl.read_lines`: split at `\n`, no line after a final `\n`, one
//! trailing `\r` dropped; invalid UTF-8 is replaced by U+FFFD per maximal invalid
//! sequence, as Python's `bytes.decode("utf-8", "replace")` does.

use memchr::memchr_iter;

/// Where a line's text lies in `Lines::text`, and where the line began in the chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub start: u32,
    pub len: u32,
    pub chunk_offset: usize,
}

pub struct Lines {
    /// Valid UTF-8: the chunk itself when it was valid, else the lines repaired.
    pub text: Vec<u8>,
    pub lines: Vec<Line>,
}

/// The largest text a chunk may become: spans are 32-bit (Arrow string views), and
/// `Utf8` offsets are signed.
pub const MAX_TEXT: usize = i32::MAX as usize;

#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge(pub usize);

pub fn split_lines(chunk: &[u8]) -> Result<Lines, TooLarge> {
    let valid = std::str::from_utf8(chunk).is_ok();
    let mut text = if valid {
        chunk.to_vec()
    } else {
        Vec::with_capacity(chunk.len() + 64)
    };
    let mut lines = Vec::with_capacity(chunk.len() / 128 + 1);
    let mut push = |begin: usize, end: usize, text: &mut Vec<u8>| -> Result<(), TooLarge> {
        let mut bytes = &chunk[begin..end];
        if let [head @ .., b'\r'] = bytes {
            bytes = head;
        }
        let start = if valid {
            begin
        } else {
            let at = text.len();
            text.extend_from_slice(String::from_utf8_lossy(bytes).as_bytes());
            at
        };
        let len = if valid {
            bytes.len()
        } else {
            text.len() - start
        };
        if start + len > MAX_TEXT {
            return Err(TooLarge(start + len));
        }
        lines.push(Line {
            start: start as u32,
            len: len as u32,
            chunk_offset: begin,
        });
        Ok(())
    };
    let mut begin = 0;
    for end in memchr_iter(b'\n', chunk) {
        push(begin, end, &mut text)?;
        begin = end + 1;
    }
    if begin < chunk.len() {
        push(begin, chunk.len(), &mut text)?;
    }
    Ok(Lines { text, lines })
}

impl Lines {
    /// The text as a `str`, checked once per chunk rather than once per line.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or_default()
    }
}

/// A line's text: spans are cut at ASCII bytes (`\n`, `\r`) of valid UTF-8, so they lie
/// on character boundaries (`get` checks that, and gives "" if it ever did not).
pub fn line_str<'a>(text: &'a str, line: &Line) -> &'a str {
    text.get(line.start as usize..(line.start + line.len) as usize)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(chunk: &[u8]) -> Vec<String> {
        let lines = split_lines(chunk).unwrap();
        lines
            .lines
            .iter()
            .map(|l| line_str(lines.as_str(), l).to_string())
            .collect()
    }

    #[test]
    fn the_lines_read_lines_gives() {
        assert!(texts(b"").is_empty());
        assert_eq!(texts(b"\n"), [""]);
        assert_eq!(texts(b"a\r\nb"), ["a", "b"]);
        assert_eq!(texts(b"a\r\r\nb\rc\n"), ["a\r", "b\rc"]);
        assert_eq!(texts(b"a\n\n\nb\n\n"), ["a", "", "", "b", ""]);
        assert_eq!(texts(b"a\r"), ["a"]);
        assert_eq!(texts(b"x\xffy\r\nz\xe2\x82"), ["x\u{FFFD}y", "z\u{FFFD}"]);
    }

    #[test]
    fn offsets_are_in_the_chunk() {
        let lines = split_lines(b"ab\n\xffcd\nef").unwrap();
        let offsets: Vec<usize> = lines.lines.iter().map(|l| l.chunk_offset).collect();
        assert_eq!(offsets, [0, 3, 7]);
    }
}
