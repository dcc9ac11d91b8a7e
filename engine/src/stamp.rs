//! Time stamps the engine reads itself. A stamp it does not vouch for is handed back
//! as text, and Python reads it with the Polars rules (`parsers/timestamps.py`), so
//! the odd ones (leap seconds, broken dates) keep exactly their old meaning.

/// `Mmm dd hh:mm:ss` with ASCII letters and digits and a space-padded day: the
/// fixed-width classic stamp whose time Python works out once per minute.
pub fn is_plain_classic(stamp: &[u8]) -> bool {
    let [m0, m1, m2, b' ', d0, d1, b' ', h0, h1, b':', n0, n1, b':', s0, s1] = stamp else {
        return false;
    };
    m0.is_ascii_uppercase()
        && m1.is_ascii_lowercase()
        && m2.is_ascii_lowercase()
        && matches!(d0, b' ' | b'1'..=b'3')
        && [d1, h0, h1, n0, n1, s0, s1]
            .iter()
            .all(|b| b.is_ascii_digit())
}

fn number(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|+HHMM)` in ASCII, a valid date and time
/// (second 0-59): microseconds since the epoch, the fraction truncated as Polars does.
/// Anything else is None: the caller hands the stamp to Python.
pub fn iso_micros(stamp: &[u8]) -> Option<i64> {
    if stamp.len() < 20 || stamp[4] != b'-' || stamp[7] != b'-' || stamp[10] != b'T' {
        return None;
    }
    if stamp[13] != b':' || stamp[16] != b':' {
        return None;
    }
    let year = number(&stamp[0..4])?;
    let month = number(&stamp[5..7])?;
    let day = number(&stamp[8..10])?;
    let hour = number(&stamp[11..13])?;
    let minute = number(&stamp[14..16])?;
    let second = number(&stamp[17..19])?;
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &stamp[19..];
    let mut micros = 0;
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let kept = &tail[..digits.min(6)];
        micros = number(kept)? * 10_i64.pow(6 - kept.len() as u32);
        rest = &tail[digits..];
    }
    let offset_minutes = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] | [sign @ (b'+' | b'-'), h0, h1, m0, m1] => {
            let hours = number(&[*h0, *h1])?;
            let minutes = number(&[*m0, *m1])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_stamps_as_polars_reads_them() {
        let cases: &[(&str, Option<i64>)] = &[
            ("2026-11-24T17:18:10.5Z", Some(1_795_540_690_500_000)),
            (
                "2026-11-24T17:18:10.1234567891Z",
                Some(1_795_540_690_123_456),
            ),
            (
                "2026-11-24T17:18:10.000001999Z",
                Some(1_795_540_690_000_001),
            ),
            ("2026-11-24T17:18:10+05:30", Some(1_795_520_890_000_000)),
            ("2026-11-24T17:18:10+0530", Some(1_795_520_890_000_000)),
            ("2026-11-24T17:18:10-23:59", Some(1_795_627_030_000_000)),
            ("0001-01-01T00:00:00Z", Some(-62_135_596_800_000_000)),
            ("2026-02-29T17:18:10Z", None),
            ("2026-11-24T24:00:00Z", None),
            ("2026-11-24T17:18:60Z", None),
            ("2026-11-24T17:18:10+2400", None),
            ("2026-11-24T17:18:10.+00:00", None),
            ("2026-11-24T17:18:10z", None),
            ("2026-11-24t17:18:10Z", None),
        ];
        for (stamp, micros) in cases {
            assert_eq!(iso_micros(stamp.as_bytes()), *micros, "{stamp}");
        }
    }

    #[test]
    fn plain_classic_stamps() {
        assert!(is_plain_classic(b"Nov 24 17:18:10"));
        assert!(is_plain_classic(b"Nov  8 17:18:10"));
        assert!(!is_plain_classic(b"Nov 8 17:18:10"));
        assert!(!is_plain_classic(b"Nov 48 17:18:10"));
        assert!(!is_plain_classic(b"NOV 24 17:18:10"));
    }
}
