//! Time and peak memory to generate the pinned spec, by phase. Run with
//! `cargo bench -p keapgen --bench generate` (release profile). Prints numbers; asserts nothing.

use keapgen::{load, spec};
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 10;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let paths = spec::ensure(root).unwrap_or_else(|e| panic!("{e}"));
    let (pinned, specs) = spec::load_pinned(root).unwrap_or_else(|e| panic!("{e}"));
    let opts = spec::pinned_options(root, &pinned, "Keap API").expect("pinned options");
    let (mut parse, mut generate, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut lines = 0;
    let mut files = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let loaded: Vec<load::Spec> = paths.iter().map(|p| load::load_file(p).expect("spec loads")).collect();
        let parsed = Instant::now();
        let parts: Vec<keapgen::Part> = loaded.iter().zip(&specs).map(|(s, l)| l.part(s)).collect();
        let out = keapgen::generate_crate(&parts, &opts).expect("specs generate");
        let done = Instant::now();
        parse.push(parsed - start);
        generate.push(done - parsed);
        total.push(done - start);
        files = out.files.len();
        lines = out.files.values().map(|t| t.lines().count()).sum::<usize>();
    }
    println!("keapgen generate, specs {}, {RUNS} runs", pinned.versions());
    for (name, mut times) in
        [("parse (YAML → openapiv3)", parse), ("lower + emit + format", generate), ("total", total)]
    {
        times.sort();
        println!("  {name:<26} median {:>8.1} ms   min {:>8.1} ms", ms(times[RUNS / 2]), ms(times[0]));
    }
    println!("  output: {files} files, {lines} lines");
    println!("  peak memory (VmHWM): {}", peak_rss().unwrap_or_else(|| "unknown".into()));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size of this process, from /proc (Linux).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_string())
}
