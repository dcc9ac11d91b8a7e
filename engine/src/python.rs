//! The extension module `parsers._engine`: bytes and settings in, Arrow data out.
//! Nothing crosses the boundary per line, and no panic crosses it at all: a panic is
//! caught here and raised as `EngineError`, naming the input and the byte offset.

use std::cell::Cell;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Once};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::arrow::{export, Batch, Column, Strings};
use crate::columns::Frame;
use crate::envelope::{split, Envelope, Format};
use crate::events::{parse, Failure};
use crate::rules::{FastSpec, RuleSpec, Table};

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

/// Columns the engine built (an event kind's, the unparsed lines'...), handed to
/// Polars once: `pl.DataFrame(columns)` takes their buffers, without a copy.
#[pyclass(frozen, module = "parsers._engine")]
pub struct Columns {
    rows: usize,
    frame: Mutex<Option<Frame>>,
}

impl Columns {
    fn new(frame: Frame) -> Columns {
        Columns {
            rows: frame.rows,
            frame: Mutex::new(Some(frame)),
        }
    }
}

#[pymethods]
impl Columns {
    fn __len__(&self) -> usize {
        self.rows
    }

    /// The Arrow PyCapsule interface; the buffers move to the consumer, so only once.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema;
        let frame = self
            .frame
            .lock()
            .map_err(|_| EngineError::new_err("engine columns poisoned"))?
            .take()
            .ok_or_else(|| PyValueError::new_err("these engine columns were already taken"))?;
        let (schema, array) = frame.export();
        Ok((
            PyCapsule::new_with_value(py, schema, SCHEMA)?,
            PyCapsule::new_with_value(py, array, ARRAY)?,
        ))
    }
}

type Pairs = Vec<(String, String)>;
type FastRow = (String, Pairs, Pairs, Option<(String, String)>);
type Spec = (
    String,
    String,
    String,
    String,
    Pairs,
    Vec<String>,
    Option<FastRow>,
    Option<String>,
);

/// The daemons' rule tables, compiled once (see engine/src/rules.rs).
#[pyclass(frozen, module = "parsers._engine")]
pub struct RuleTable {
    table: Arc<Table>,
}

#[pymethods]
impl RuleTable {
    /// `rules`: (kind, test, literal, pattern, constants, words, fast path, scanner)
    /// rows; `daemons`: (name, its rules, its debug rules) as indexes of `rules`;
    /// `families`: (kind, address column) whose IP family the engine works out.
    #[new]
    #[pyo3(signature = (rules, daemons, postfix, spf_programs, spf_daemon, families = Vec::new()))]
    fn new(
        rules: Vec<Spec>,
        daemons: Vec<(String, Vec<usize>, Vec<usize>)>,
        postfix: Vec<String>,
        spf_programs: Vec<String>,
        spf_daemon: String,
        families: Vec<(String, String)>,
    ) -> PyResult<RuleTable> {
        let specs = rules
            .into_iter()
            .map(
                |(kind, test, literal, pattern, constants, words, fast, scanner)| RuleSpec {
                    kind,
                    test,
                    literal,
                    pattern,
                    constants,
                    words,
                    fast: fast.map(|(pattern, checks, closing, tail)| FastSpec {
                        pattern,
                        checks,
                        closing,
                        tail,
                    }),
                    scanner,
                },
            )
            .collect();
        let mut table = Table::new(specs, daemons, postfix, spf_programs, spf_daemon)
            .map_err(PyValueError::new_err)?;
        table
            .derive_families(families)
            .map_err(PyValueError::new_err)?;
        Ok(RuleTable {
            table: Arc::new(table),
        })
    }

    /// One chunk of whole lines through envelope and rules, in one pass (see
    /// engine/src/events.rs for what the dict holds). `source` and `offset` (the
    /// chunk's first byte in its input) name a failure.
    #[pyo3(signature = (chunk, format, *, first_seq = 0, source = "<input>", offset = 0))]
    fn parse<'py>(
        &self,
        py: Python<'py>,
        chunk: &[u8],
        format: &str,
        first_seq: i64,
        source: &str,
        offset: u64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let format = Format::from_name(format)
            .ok_or_else(|| PyValueError::new_err(format!("unknown log format {format:?}")))?;
        let table = Arc::clone(&self.table);
        let parsed = py.detach(|| {
            guarded(source, offset, |progress| {
                parse(chunk, format, &table, first_seq, progress)
            })
        })?;
        let parsed = parsed.map_err(|failure| match failure {
            Failure::TooLarge(size) => EngineError::new_err(format!(
                "{source}: a chunk at byte {offset} holds {size} bytes of text, more than the \
                 engine takes at once ({})",
                crate::lines::MAX_TEXT
            )),
            Failure::Overflow => EngineError::new_err(format!(
                "{source}: a chunk at byte {offset} makes a column of more than 4 GiB"
            )),
        })?;
        let out = PyDict::new(py);
        let kinds = PyDict::new(py);
        for (kind, frame) in parsed.kinds {
            kinds.set_item(kind, Columns::new(frame))?;
        }
        out.set_item("rows", parsed.rows)?;
        out.set_item("kinds", kinds)?;
        out.set_item("unparsed", Columns::new(parsed.unparsed))?;
        out.set_item("odd", Columns::new(parsed.odd))?;
        out.set_item("envelope", Columns::new(parsed.envelope))?;
        out.set_item("not_mail", parsed.not_mail)?;
        out.set_item("deferred", parsed.deferred)?;
        Ok(out)
    }
}

/// Large buffers straight from the system, and back to it when freed. The engine's
/// columns are allocated in the worker threads and freed later by Polars; glibc's
/// default (a threshold that rises to 32 MiB as large blocks are freed) kept them in
/// its per-thread arenas instead (a 300 MB report peaked about 100 MiB higher).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn large_blocks_from_the_system() {
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3; // glibc's malloc.h
                                                  // SAFETY: mallopt(3) takes two integers and changes a tunable of glibc's allocator,
                                                  // which is thread-safe; a fixed threshold also turns its dynamic raising off.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn large_blocks_from_the_system() {}

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
    QUIET.call_once(|| {
        std::panic::set_hook(Box::new(|_| {}));
        large_blocks_from_the_system();
    });
    m.add("EngineError", m.py().get_type::<EngineError>())?;
    m.add_class::<EnvelopeBatch>()?;
    m.add_class::<Columns>()?;
    m.add_class::<RuleTable>()?;
    m.add_function(wrap_pyfunction!(split_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_probe, m)?)?;
    Ok(())
}
