//! Feeds arbitrary text to the template loader as YAML and as JSON, and runs every rule on
//! whatever loads. Any panic, hang or unbounded allocation is a bug: bad input must come out
//! as a located error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_diagnostics::SourceMap;
use warden_iac::{load_text, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["template.yaml", "template.json"] {
        let mut sources = SourceMap::new();
        if let Ok(Some(template)) = load_text(&mut sources, name, text, &LoadOptions::default()) {
            let _ = warden_rules::check_template(&template, &|_| true, &Default::default());
        }
    }
});
