//! Writes the crates the generator makes from accepted mutants, for the compile property:
//! `sample_mutants COUNT OUT_DIR` makes mutants from a fixed pseudo-random sequence until
//! COUNT are accepted (or 20 × COUNT tried), writes each as `OUT_DIR/mutant_N` and a
//! workspace around them, and prints one line per accepted mutant: its name and edits.

use keapgen::Options;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `sample_mutants --show HEX`: the mutant those bytes make, as JSON, to keep as a case.
    if args.get(1).map(String::as_str) == Some("--show") {
        let hex = args.get(2).map(String::as_str).unwrap_or("");
        let data: Vec<u8> = (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect();
        println!("{}", keapgen_fuzz::mutant(&data).unwrap_or_default());
        return;
    }
    let (Some(count), Some(out)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2)) else {
        eprintln!("usage: sample_mutants COUNT OUT_DIR");
        std::process::exit(2);
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).unwrap();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        // xorshift64*: the same sample on every run.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut members = Vec::new();
    let mut tried = 0;
    while members.len() < count && tried < count * 20 {
        tried += 1;
        let len = 1 + (next() % 4) as usize * 4 + 4;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Real Keap specs only when asked: their crates take minutes each to check.
        let data = if std::env::var_os("MUTANTS_REAL_SPECS").is_none() && data[0] % 16 == 15 {
            [&[data[0] - 1], &data[1..]].concat()
        } else {
            data
        };
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        if std::env::var_os("MUTANTS_TRACE").is_some() {
            eprintln!("trying {hex}");
        }
        let started = std::time::Instant::now();
        let Some(text) = keapgen_fuzz::mutant(&data) else { continue };
        let Ok(spec) = keapgen::load::parse(keapgen::diag::Source::new(None, text)) else { continue };
        let name = format!("mutant_{}", members.len());
        let mut opts = Options::new(name.clone(), "a mutant");
        opts.example_tests = true;
        let generated = keapgen::generate(&spec, &opts);
        if started.elapsed() > std::time::Duration::from_secs(2) {
            eprintln!("slow: {hex} took {} ms", started.elapsed().as_millis());
        }
        let Ok(generated) = generated else { continue };
        keapgen::output::write_tree(&generated.files, &out.join(&name)).unwrap();
        println!("{name} {hex}");
        members.push(format!("{name:?}"));
    }
    std::fs::write(
        out.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();
    eprintln!("{} accepted of {tried} tried", members.len());
}
