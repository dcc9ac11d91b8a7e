//! Time the envelope alone: `cargo run --release --example envelope_speed -- LOG [LINES]`.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::time::Instant;

use _engine::envelope::{split, Format};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a log file");
    let lines: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let file = std::fs::File::open(path).expect("readable");
    let mut chunk = Vec::new();
    for line in BufReader::new(file).split(b'\n').take(lines) {
        chunk.extend_from_slice(&line.expect("readable"));
        chunk.push(b'\n');
    }
    for _ in 0..3 {
        let cpu = cpu_seconds();
        let lines = _engine::lines::split_lines(&chunk).expect("fits");
        let cpu_lines = cpu_seconds() - cpu;
        println!(
            "lines alone: CPU {:.3} µs/line",
            cpu_lines / lines.lines.len() as f64 * 1e6
        );
        let (start, cpu) = (Instant::now(), cpu_seconds());
        let env = split(&chunk, Format::Classic, &Cell::new(0)).expect("fits");
        let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let rows = env.rows() as f64;
        println!(
            "{rows} lines: CPU {:.3} µs/line, wall {:.3}",
            cpu / rows * 1e6,
            wall / rows * 1e6
        );
    }
}

/// This thread's CPU time (Linux): wall time misleads on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos: f64 = stat
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    nanos / 1e9
}
