//! The extension module `parsers._engine`: bytes and settings in, Arrow data out.
//! Nothing crosses the boundary per line, and no panic crosses it at all: a panic is
//! caught here and raised as `EngineError`, naming the input and the byte offset.

use std::cell::Cell;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Once};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::arrow::{export, Batch, Column, Strings};
use crate::envelope::{split, Envelope, Format};

create_exception!(
    _engine,
    EngineError,
    PyException,
    "The parsing engine failed on some input (a bug in the engine); the message names the \
     input and the byte offset of the line it was reading."
);

/// Runs `work` with a progress cell (a byte offset in the chunk); a panic becomes an
/// EngineError naming `source` and `offset` plus that progress.
fn guarded<T>(source: &str, offset: u64, work: impl FnOnce(&Cell<usize>) -> T) -> PyResult<T> {
    let progress = Cell::new(0);
    match catch_unwind(AssertUnwindSafe(|| work(&progress))) {
        Ok(value) => Ok(value),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let at = offset + progress.get() as u64;
            Err(EngineError::new_err(format!(
                "{source}: the parsing engine failed at byte {at}: {reason} (a bug: please report it)"
            )))
        }
    }
}

/// One chunk's envelope columns; Polars takes them with `pl.DataFrame(batch)`.
#[pyclass(frozen, module = "parsers._engine")]
pub struct EnvelopeBatch {
    batch: Batch,
    strings: Strings,
}

const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

#[pymethods]
impl EnvelopeBatch {
    fn __len__(&self) -> usize {
        self.batch.rows
    }

    /// The Arrow PyCapsule interface: the batch as one struct array.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema; // the interface lets a producer keep its own types
        let (schema, array) = export(&self.batch, self.strings);
        Ok((
            PyCapsule::new_with_value(py, schema, SCHEMA)?,
            PyCapsule::new_with_value(py, array, ARRAY)?,
        ))
    }
}

fn batch_of(env: Envelope) -> Batch {
    let rows = env.rows();
    let [text, extra] = env.buffers;
    let line = env.line.into_iter().map(Some).collect();
    Batch {
        rows,
        columns: vec![
            ("line", Column::Str(line)),
            ("time", Column::TimeUtc(env.time)),
            ("stamp", Column::Str(env.stamp)),
            ("odd", Column::Str(env.odd)),
            ("host", Column::Str(env.host)),
            ("program", Column::Str(env.program)),
            ("pid", Column::Int64(env.pid)),
            ("message", Column::Str(env.message)),
        ],
        text: [Arc::new(text), Arc::new(extra)],
    }
}

/// Split a chunk of whole lines (as maillogs' inputs read them) into envelope columns:
/// line, time (UTC, where the engine read the stamp), stamp (a plain classic stamp,
/// for Python's per-minute year and zone rules), odd (what the engine leaves to
/// Python: an odd stamp, or a whole journald record), host, program, pid, message.
/// `source` and `offset` (the chunk's first byte in its input) name a failure.
#[pyfunction]
#[pyo3(signature = (chunk, format, *, source = "<input>", offset = 0, strings = "view"))]
fn split_envelope(
    py: Python<'_>,
    chunk: &[u8],
    format: &str,
    source: &str,
    offset: u64,
    strings: &str,
) -> PyResult<EnvelopeBatch> {
    let format = Format::from_name(format)
        .ok_or_else(|| PyValueError::new_err(format!("unknown log format {format:?}")))?;
    let strings = match strings {
        "view" => Strings::View,
        "plain" => Strings::Plain,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown string layout {other:?}"
            )))
        }
    };
    let split = py.detach(|| guarded(source, offset, |progress| split(chunk, format, progress)))?;
    match split {
        Ok(env) => Ok(EnvelopeBatch {
            batch: batch_of(env),
            strings,
        }),
        Err(too_large) => Err(EngineError::new_err(format!(
            "{source}: a chunk at byte {offset} holds {} bytes of text, more than the engine \
             takes at once ({})",
            too_large.0,
            crate::lines::MAX_TEXT
        ))),
    }
}

/// For the boundary's own tests: panics inside the guard, as an engine bug would.
#[pyfunction]
fn _panic_probe(source: &str, offset: u64) -> PyResult<()> {
    guarded(source, offset, |progress| {
        progress.set(7);
        panic!("probe");
    })
}

#[pymodule]
fn _engine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Panics are caught and raised as EngineError; the default hook would also print
    // them to stderr. This hook belongs to this library's copy of std only.
    static QUIET: Once = Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    m.add("EngineError", m.py().get_type::<EngineError>())?;
    m.add_class::<EnvelopeBatch>()?;
    m.add_function(wrap_pyfunction!(split_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_probe, m)?)?;
    Ok(())
}
