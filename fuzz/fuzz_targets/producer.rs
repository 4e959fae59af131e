#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| contracts_fuzz::producer(data));
