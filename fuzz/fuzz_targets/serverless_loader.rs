//! Feeds arbitrary text to the Serverless Framework loader (as `serverless.yml` and
//! `serverless.json`, so that the name-based detection applies) and runs every rule on
//! whatever loads. Variable resolution is the risky part: self-references, nesting and
//! fallbacks must end in values or unknowns, never in a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_diagnostics::SourceMap;
use warden_iac::{load_text, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut options = LoadOptions::default();
    options.stage = Some("fuzz".into());
    options
        .serverless_options
        .insert("region".into(), "eu-west-1".into());
    // `${file(...)}` paths resolve against a directory that does not exist, so the fuzzer
    // never reads the machine's files.
    for name in [
        "/nonexistent-warden-fuzz/serverless.yml",
        "/nonexistent-warden-fuzz/serverless.json",
    ] {
        let mut sources = SourceMap::new();
        if let Ok(Some(template)) = load_text(&mut sources, name, text, &options) {
            let _ = warden_rules::check_template(&template, &|_| true, &Default::default());
        }
    }
});
