//! Any text as a `scopegate.toml`, then declarations checked against the vocabulary it defines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        scopegate_macros_fuzz::run_config(text);
    }
});
