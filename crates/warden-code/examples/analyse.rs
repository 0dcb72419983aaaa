//! Runs code analysis over paths, prints its findings (and notices with `NOTICES=1`), and
//! on standard error how long loading the templates and analysing the code took, apart.
//! `scripts/bench-code.sh` reads that last line; `warden scan` is the real interface.
//!
//!     cargo run --release -p warden-code --example analyse -- PATH...
use std::path::PathBuf;

fn main() {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let started = std::time::Instant::now();
    let loaded = warden_iac::load_paths(&paths, &warden_iac::LoadOptions::default(), &|_| false);
    let loaded_at = started.elapsed();
    let mut sources = loaded.sources.clone();
    let report = warden_code::analyse(&loaded.templates, &mut sources, &|_| true);
    let analysed_at = started.elapsed();
    for finding in &report.findings {
        let location = sources.locate(finding.span).unwrap();
        println!(
            "{}:{}:{} {} [{}] {}: {}",
            location.file,
            location.line,
            location.column,
            finding.code,
            finding.severity,
            finding.resource,
            finding.message
        );
        for step in &finding.path {
            if let Some(l) = sources.locate(step.span) {
                println!("    {}:{} {}", l.file, l.line, step.message);
            }
        }
    }
    let mut kinds = std::collections::BTreeMap::new();
    for notice in &report.notices {
        *kinds.entry(notice.kind).or_insert(0) += 1;
        if std::env::var("NOTICES").is_ok() {
            println!("NOTICE {} {}", notice.kind, notice.message);
        }
    }
    eprintln!(
        "templates={} load_ms={} code_ms={} functions={} files={} findings={} notices={:?}",
        loaded.templates.len(),
        loaded_at.as_millis(),
        (analysed_at - loaded_at).as_millis(),
        report.functions_analysed,
        report.files_analysed,
        report.findings.len(),
        kinds
    );
}
