//! maillogs' parsing engine: chunks of raw Postfix log bytes in, Arrow columns out.
//!
//! `cargo test` and `cargo clippy` build the pure Rust part; the `python` feature adds
//! the extension module `parsers._engine` that maturin builds for the Python package.

pub mod arrow;
pub mod columns;
pub mod envelope;
pub mod events;
mod family;
pub mod json;
pub mod lines;
pub mod rules;
pub mod scan;
pub mod stamp;
mod unicode;

#[cfg(feature = "python")]
mod python;
