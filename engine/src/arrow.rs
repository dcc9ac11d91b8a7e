//! Columns handed to Polars through the Arrow C Data Interface
//! (<https://arrow.apache.org/docs/format/CDataInterface.html>), written out here
//! instead of taken from arrow-rs: the few types the engine makes need ~250 lines,
//! and arrow-array would more than double the crate's build time on two cores.
//!
//! A batch is one struct array; each column is a child. Ownership follows the
//! interface: every structure has its own `release`, which frees what it owns, so a
//! consumer may keep or move children independently. String columns are string views
//! (`vu`) pointing into the chunk's text, which they share without copying it, or
//! plain `u` strings (offsets and a copy), for comparison.

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::Arc;

use crate::envelope::Span;

pub(crate) const NULLABLE: i64 = 2; // ARROW_FLAG_NULLABLE

#[repr(C)]
pub struct FfiSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut FfiSchema,
    dictionary: *mut FfiSchema,
    release: Option<unsafe extern "C" fn(*mut FfiSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct FfiArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut FfiArray,
    dictionary: *mut FfiArray,
    release: Option<unsafe extern "C" fn(*mut FfiArray)>,
    private_data: *mut c_void,
}

// SAFETY: a structure owns its private data exclusively (nothing thread-local, no
// shared mutable state; string bytes are shared read-only through `Arc`), and the
// interface lets the consumer release it from any thread.
unsafe impl Send for FfiSchema {}
// SAFETY: as for FfiSchema.
unsafe impl Send for FfiArray {}

impl FfiSchema {
    pub fn is_released(&self) -> bool {
        self.release.is_none()
    }
}

impl FfiArray {
    pub fn is_released(&self) -> bool {
        self.release.is_none()
    }
}

/// A structure not moved out by a consumer is released when dropped.
impl Drop for FfiSchema {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: `release` was set by this module for this very structure, which is
            // still live (we are in its drop) and not yet released (release is Some).
            unsafe { release(self) }
        }
    }
}

impl Drop for FfiArray {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: as for FfiSchema.
            unsafe { release(self) }
        }
    }
}

pub enum Column {
    Str(Vec<Option<Span>>),
    Int64(Vec<Option<i64>>),
    /// Microseconds since the epoch, UTC.
    TimeUtc(Vec<Option<i64>>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strings {
    View,
    Plain,
}

pub struct Batch {
    pub rows: usize,
    pub columns: Vec<(&'static str, Column)>,
    /// The text string columns point into (`Span::buffer` indexes it).
    pub text: [Arc<Vec<u8>>; 2],
}

struct SchemaPrivate {
    _format: CString,
    _name: CString,
    children: Box<[*mut FfiSchema]>,
}

/// Memory an array's buffers point into, kept alive until its release.
#[allow(dead_code)] // held for ownership only
pub(crate) enum Owned {
    Bytes(Vec<u8>),
    Shared(Arc<Vec<u8>>),
    Longs(Vec<i64>),
    Offsets(Vec<i32>),
    Views(Vec<u128>),
}

struct ArrayPrivate {
    _owned: Vec<Owned>,
    pointers: Box<[*const c_void]>,
    children: Box<[*mut FfiArray]>,
}

unsafe extern "C" fn release_schema(schema: *mut FfiSchema) {
    // SAFETY: the interface calls release on a live structure this module made, once;
    // its private_data is the Box leaked in `schema()` and its children were made by
    // `schema()` too (Box::into_raw), so each is taken back exactly once here.
    unsafe {
        let Some(schema) = schema.as_mut() else {
            return;
        };
        let private = Box::from_raw(schema.private_data.cast::<SchemaPrivate>());
        for &child in private.children.iter() {
            drop(Box::from_raw(child)); // its Drop releases it unless a consumer moved it
        }
        schema.release = None;
    }
}

unsafe extern "C" fn release_array(array: *mut FfiArray) {
    // SAFETY: as in release_schema, for the Box leaked in `array()`.
    unsafe {
        let Some(array) = array.as_mut() else { return };
        let private = Box::from_raw(array.private_data.cast::<ArrayPrivate>());
        for &child in private.children.iter() {
            drop(Box::from_raw(child));
        }
        array.release = None;
    }
}

pub(crate) fn schema(format: &str, name: &str, flags: i64, children: Vec<FfiSchema>) -> FfiSchema {
    // Names and formats are this crate's literals: no NUL inside.
    let format = CString::new(format).unwrap_or_default();
    let name = CString::new(name).unwrap_or_default();
    let children: Box<[*mut FfiSchema]> = children
        .into_iter()
        .map(|c| Box::into_raw(Box::new(c)))
        .collect();
    let mut private = Box::new(SchemaPrivate {
        _format: format,
        _name: name,
        children,
    });
    FfiSchema {
        format: private._format.as_ptr(),
        name: private._name.as_ptr(),
        metadata: ptr::null(),
        flags,
        n_children: private.children.len() as i64,
        children: private.children.as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: Some(release_schema),
        private_data: Box::into_raw(private).cast(),
    }
}

/// `pointers` are the buffers in the interface's order (null for an absent bitmap);
/// `owned` keeps their memory alive.
pub(crate) fn array(
    length: usize,
    null_count: usize,
    owned: Vec<Owned>,
    pointers: Vec<*const c_void>,
    children: Vec<FfiArray>,
) -> FfiArray {
    let children: Box<[*mut FfiArray]> = children
        .into_iter()
        .map(|c| Box::into_raw(Box::new(c)))
        .collect();
    let mut private = Box::new(ArrayPrivate {
        _owned: owned,
        pointers: pointers.into_boxed_slice(),
        children,
    });
    FfiArray {
        length: length as i64,
        null_count: null_count as i64,
        offset: 0,
        n_buffers: private.pointers.len() as i64,
        n_children: private.children.len() as i64,
        buffers: private.pointers.as_mut_ptr(),
        children: private.children.as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: Some(release_array),
        private_data: Box::into_raw(private).cast(),
    }
}

/// A validity bitmap (LSB first) and the null count; no bitmap when nothing is null.
fn validity(valid: impl Iterator<Item = bool>, rows: usize) -> (Option<Vec<u8>>, usize) {
    let mut bits = vec![0_u8; rows.div_ceil(8)];
    let mut nulls = 0;
    for (i, ok) in valid.enumerate() {
        if ok {
            bits[i / 8] |= 1 << (i % 8);
        } else {
            nulls += 1;
        }
    }
    ((nulls > 0).then_some(bits), nulls)
}

fn bitmap_pointer(bits: &Option<Vec<u8>>) -> *const c_void {
    bits.as_ref().map_or(ptr::null(), |b| b.as_ptr().cast())
}

fn view(text: &[Arc<Vec<u8>>; 2], span: Span) -> u128 {
    let bytes = &text[usize::from(span.buffer)][span.start as usize..][..span.len as usize];
    let mut raw = [0_u8; 16];
    raw[..4].copy_from_slice(&span.len.to_le_bytes());
    if span.len <= 12 {
        raw[4..4 + bytes.len()].copy_from_slice(bytes);
    } else {
        raw[4..8].copy_from_slice(&bytes[..4]);
        raw[8..12].copy_from_slice(&u32::from(span.buffer).to_le_bytes());
        raw[12..16].copy_from_slice(&span.start.to_le_bytes());
    }
    u128::from_le_bytes(raw)
}

fn string_column(spans: &[Option<Span>], text: &[Arc<Vec<u8>>; 2], strings: Strings) -> FfiArray {
    let rows = spans.len();
    let (bits, nulls) = validity(spans.iter().map(Option::is_some), rows);
    let mut pointers = vec![bitmap_pointer(&bits)];
    let mut owned = Vec::new();
    match strings {
        Strings::View => {
            let empty = Span {
                buffer: 0,
                start: 0,
                len: 0,
            };
            let views: Vec<u128> = spans
                .iter()
                .map(|s| view(text, s.unwrap_or(empty)))
                .collect();
            let sizes: Vec<i64> = text.iter().map(|t| t.len() as i64).collect();
            pointers.push(views.as_ptr().cast());
            pointers.extend(text.iter().map(|t| t.as_ptr().cast::<c_void>()));
            pointers.push(sizes.as_ptr().cast());
            owned.push(Owned::Views(views));
            owned.extend(text.iter().map(|t| Owned::Shared(Arc::clone(t))));
            owned.push(Owned::Longs(sizes));
        }
        Strings::Plain => {
            let mut offsets = Vec::with_capacity(rows + 1);
            let mut data = Vec::new();
            offsets.push(0_i32);
            for span in spans {
                if let Some(s) = span {
                    let buffer = &text[usize::from(s.buffer)];
                    data.extend_from_slice(&buffer[s.start as usize..][..s.len as usize]);
                }
                // Chunks are capped below i32::MAX bytes of text (lines::MAX_TEXT), but a
                // column could repeat text: saturate rather than wrap.
                offsets.push(i32::try_from(data.len()).unwrap_or(i32::MAX));
            }
            pointers.push(offsets.as_ptr().cast());
            pointers.push(data.as_ptr().cast());
            owned.push(Owned::Offsets(offsets));
            owned.push(Owned::Bytes(data));
        }
    }
    if let Some(bits) = bits {
        owned.push(Owned::Bytes(bits));
    }
    array(rows, nulls, owned, pointers, Vec::new())
}

fn int_column(values: &[Option<i64>]) -> FfiArray {
    let rows = values.len();
    let (bits, nulls) = validity(values.iter().map(Option::is_some), rows);
    let data: Vec<i64> = values.iter().map(|v| v.unwrap_or(0)).collect();
    let pointers = vec![bitmap_pointer(&bits), data.as_ptr().cast()];
    let mut owned = vec![Owned::Longs(data)];
    if let Some(bits) = bits {
        owned.push(Owned::Bytes(bits));
    }
    array(rows, nulls, owned, pointers, Vec::new())
}

/// The batch as one struct array: its schema and its data.
pub fn export(batch: &Batch, strings: Strings) -> (FfiSchema, FfiArray) {
    let mut fields = Vec::new();
    let mut arrays = Vec::new();
    for (name, column) in &batch.columns {
        let (format, array) = match column {
            Column::Str(spans) => (
                if strings == Strings::View { "vu" } else { "u" },
                string_column(spans, &batch.text, strings),
            ),
            Column::Int64(values) => ("l", int_column(values)),
            Column::TimeUtc(values) => ("tsu:UTC", int_column(values)),
        };
        fields.push(schema(format, name, NULLABLE, Vec::new()));
        arrays.push(array);
    }
    let schema = schema("+s", "", 0, fields);
    let array = array(batch.rows, 0, Vec::new(), vec![ptr::null()], arrays);
    (schema, array)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Batch {
        let text = b"hello, a rather long line".to_vec();
        let spans = vec![
            Some(Span {
                buffer: 0,
                start: 0,
                len: 5,
            }),
            None,
            Some(Span {
                buffer: 0,
                start: 7,
                len: 18,
            }),
            Some(Span {
                buffer: 1,
                start: 0,
                len: 3,
            }),
        ];
        Batch {
            rows: 4,
            columns: vec![
                ("s", Column::Str(spans)),
                ("n", Column::Int64(vec![Some(1), None, Some(3), Some(-4)])),
            ],
            text: [Arc::new(text), Arc::new(b"xyz".to_vec())],
        }
    }

    #[test]
    fn views_inline_short_strings_and_point_at_long_ones() {
        let text = [
            Arc::new(b"hello, a rather long line".to_vec()),
            Arc::new(Vec::new()),
        ];
        let short = view(
            &text,
            Span {
                buffer: 0,
                start: 0,
                len: 5,
            },
        )
        .to_le_bytes();
        assert_eq!(&short[..9], &[5, 0, 0, 0, b'h', b'e', b'l', b'l', b'o']);
        let long = view(
            &text,
            Span {
                buffer: 0,
                start: 7,
                len: 18,
            },
        )
        .to_le_bytes();
        assert_eq!(&long[..8], &[18, 0, 0, 0, b'a', b' ', b'r', b'a']);
        assert_eq!(&long[12..], &7_u32.to_le_bytes());
    }

    #[test]
    fn export_and_release_both_layouts() {
        for strings in [Strings::View, Strings::Plain] {
            let (schema, array) = export(&batch(), strings);
            assert_eq!(
                (array.length, array.n_children, schema.n_children),
                (4, 2, 2)
            );
            // SAFETY: the children were just made by export() and are live.
            let (strings_child, numbers) = unsafe { (&**array.children, &**array.children.add(1)) };
            assert_eq!(strings_child.null_count, 1);
            assert_eq!(
                strings_child.n_buffers,
                if strings == Strings::View { 5 } else { 3 }
            );
            assert_eq!((numbers.null_count, numbers.n_buffers), (1, 2));
            drop((schema, array)); // released here; Miri or ASan would catch a double free
        }
    }

    #[test]
    fn plain_strings_are_copied_in_order() {
        let (_schema, array) = export(&batch(), Strings::Plain);
        // SAFETY: buffers 1 and 2 of a `u` child are its offsets (rows + 1) and data.
        let (offsets, data) = unsafe {
            let child = &**array.children;
            let offsets = std::slice::from_raw_parts(*child.buffers.add(1) as *const i32, 5);
            let data = std::slice::from_raw_parts(*child.buffers.add(2) as *const u8, 26);
            (offsets.to_vec(), data.to_vec())
        };
        assert_eq!(offsets, [0, 5, 5, 23, 26]);
        assert_eq!(&data[..], b"helloa rather long linexyz");
    }
}
