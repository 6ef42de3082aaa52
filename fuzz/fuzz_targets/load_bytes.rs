//! Raw bytes as a spec (YAML or JSON): the generator refuses them cleanly or generates a
//! crate; it never panics or hangs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        keapgen_fuzz::check(&keapgen_fuzz::generate(text));
    }
});
