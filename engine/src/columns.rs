//! Columns that own their memory, built row by row and handed over whole: each string
//! column is Arrow string views (`vu`) over one data buffer of its own, so nothing of
//! the chunk they were captured from stays alive once they are built. Strings of up to
//! 12 bytes live inside their view; a longer string equal to the column's previous one
//! (a host name, a program, a relay) points at the same bytes instead of a copy.

use std::ffi::c_void;
use std::ptr;

use crate::arrow::{array, schema, FfiArray, FfiSchema, Owned, NULLABLE};

/// Validity bits (LSB first), kept only once a null has been seen.
#[derive(Default)]
struct Validity {
    bits: Vec<u8>,
    nulls: usize,
    rows: usize,
}

impl Validity {
    fn push(&mut self, valid: bool) {
        if self.rows % 8 == 0 {
            self.bits.push(0);
        }
        if valid {
            self.bits[self.rows / 8] |= 1 << (self.rows % 8);
        } else {
            self.nulls += 1;
        }
        self.rows += 1;
    }

    /// (the bitmap, or none when nothing is null; the null count)
    fn finish(self) -> (Option<Vec<u8>>, usize) {
        ((self.nulls > 0).then_some(self.bits), self.nulls)
    }
}

/// The column's data buffer would pass 4 GiB (view offsets are 32-bit).
#[derive(Debug, PartialEq, Eq)]
pub struct Overflow;

#[derive(Default)]
pub struct StringColumn {
    views: Vec<u128>,
    data: Vec<u8>,
    valid: Validity,
    last: Option<(u32, u32)>, // (offset, length) of the last long string written
}

impl StringColumn {
    pub fn len(&self) -> usize {
        self.views.len()
    }

    pub fn is_empty(&self) -> bool {
        self.views.is_empty()
    }

    pub fn push(&mut self, text: Option<&str>) -> Result<(), Overflow> {
        let Some(text) = text else {
            self.views.push(0);
            self.valid.push(false);
            return Ok(());
        };
        let bytes = text.as_bytes();
        let len = u32::try_from(bytes.len()).map_err(|_| Overflow)?;
        let mut raw = [0_u8; 16];
        raw[..4].copy_from_slice(&len.to_le_bytes());
        if bytes.len() <= 12 {
            raw[4..4 + bytes.len()].copy_from_slice(bytes);
        } else {
            let same = self
                .last
                .filter(|&(at, n)| n == len && self.data[at as usize..][..n as usize] == *bytes);
            let at = match same {
                Some((at, _)) => at,
                None => {
                    let at = u32::try_from(self.data.len()).map_err(|_| Overflow)?;
                    u32::try_from(self.data.len() + bytes.len()).map_err(|_| Overflow)?;
                    self.data.extend_from_slice(bytes);
                    self.last = Some((at, len));
                    at
                }
            };
            raw[4..8].copy_from_slice(&bytes[..4]);
            // bytes 8..12: buffer index 0, the column's only data buffer
            raw[12..16].copy_from_slice(&at.to_le_bytes());
        }
        self.views.push(u128::from_le_bytes(raw));
        self.valid.push(true);
        Ok(())
    }

    fn export(self) -> FfiArray {
        let rows = self.views.len();
        let (bits, nulls) = self.valid.finish();
        let sizes = vec![self.data.len() as i64];
        let pointers = vec![
            bits.as_ref().map_or(ptr::null(), |b| b.as_ptr().cast()),
            self.views.as_ptr().cast(),
            self.data.as_ptr().cast::<c_void>(),
            sizes.as_ptr().cast(),
        ];
        let mut owned = vec![
            Owned::Views(self.views),
            Owned::Bytes(self.data),
            Owned::Longs(sizes),
        ];
        owned.extend(bits.map(Owned::Bytes));
        array(rows, nulls, owned, pointers, Vec::new())
    }
}

#[derive(Default)]
pub struct IntColumn {
    values: Vec<i64>,
    valid: Validity,
}

impl IntColumn {
    pub fn push(&mut self, value: Option<i64>) {
        self.values.push(value.unwrap_or(0));
        self.valid.push(value.is_some());
    }

    fn export(self) -> FfiArray {
        let rows = self.values.len();
        let (bits, nulls) = self.valid.finish();
        let pointers = vec![
            bits.as_ref().map_or(ptr::null(), |b| b.as_ptr().cast()),
            self.values.as_ptr().cast(),
        ];
        let mut owned = vec![Owned::Longs(self.values)];
        owned.extend(bits.map(Owned::Bytes));
        array(rows, nulls, owned, pointers, Vec::new())
    }
}

pub enum Column {
    Str(StringColumn),
    Int64(IntColumn),
    /// Microseconds since the epoch, UTC.
    TimeUtc(IntColumn),
}

/// A frame of owned columns, all of `rows` rows.
pub struct Frame {
    pub rows: usize,
    pub columns: Vec<(String, Column)>,
}

impl Frame {
    /// The frame as one struct array (its schema, its data); the buffers move with it.
    pub fn export(self) -> (FfiSchema, FfiArray) {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        for (name, column) in self.columns {
            let (format, data) = match column {
                Column::Str(c) => ("vu", c.export()),
                Column::Int64(c) => ("l", c.export()),
                Column::TimeUtc(c) => ("tsu:UTC", c.export()),
            };
            fields.push(schema(format, &name, NULLABLE, Vec::new()));
            arrays.push(data);
        }
        (
            schema("+s", "", 0, fields),
            array(self.rows, 0, Vec::new(), vec![ptr::null()], arrays),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_stored_once_when_repeated() {
        let mut c = StringColumn::default();
        for text in [
            Some("postfix/smtpd"),
            Some("postfix/smtpd"),
            None,
            Some("short"),
            Some("postfix/qmgr!"),
        ] {
            c.push(text).expect("fits");
        }
        assert_eq!(c.len(), 5);
        assert_eq!(c.data, b"postfix/smtpdpostfix/qmgr!");
        let views: Vec<[u8; 16]> = c.views.iter().map(|v| v.to_le_bytes()).collect();
        assert_eq!(&views[1][12..], &0_u32.to_le_bytes());
        assert_eq!(&views[3][..9], &[5, 0, 0, 0, b's', b'h', b'o', b'r', b't']);
        assert_eq!(&views[4][12..], &13_u32.to_le_bytes());
        let (bits, nulls) = c.valid.finish();
        assert_eq!((bits, nulls), (Some(vec![0b11011]), 1));
    }

    #[test]
    fn frames_export_and_release() {
        let mut s = StringColumn::default();
        let mut n = IntColumn::default();
        for i in 0..20 {
            s.push((i % 3 != 0).then_some("a rather long string"))
                .expect("fits");
            n.push((i % 2 == 0).then_some(i));
        }
        let frame = Frame {
            rows: 20,
            columns: vec![("s".into(), Column::Str(s)), ("n".into(), Column::Int64(n))],
        };
        let (schema, array) = frame.export();
        assert!(!schema.is_released() && !array.is_released());
        drop((schema, array));
    }
}
