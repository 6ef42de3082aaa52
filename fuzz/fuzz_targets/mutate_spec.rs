//! A real spec (a golden fixture or a Keap spec) edited as the input says: the generator
//! refuses it cleanly or generates a crate; it never panics or hangs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(text) = keapgen_fuzz::mutant(data) {
        keapgen_fuzz::check(&keapgen_fuzz::generate(&text));
    }
});
