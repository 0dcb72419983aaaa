//! Sweeps of the shared corpora (found through `warden-corpora`; a fresh clone skips them):
//! every handler file of the manifests is parsed and analysed without a panic, and the scan
//! of every template's functions follows most of them to their code.

use std::path::{Path, PathBuf};

use warden_code::engine::Engine;
use warden_code::project::Project;

fn manifest_files(corpus: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST-code.tsv")).expect("manifest");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').next())
        .map(|path| corpus.join(path))
        .collect()
}

#[test]
fn every_handler_file_is_analysed_without_a_panic() {
    let mut files = Vec::new();
    for part in ["serverless-patterns", "serverless-examples"] {
        let Some(corpus) = warden_corpora::require(part) else {
            return;
        };
        files.extend(manifest_files(&corpus));
    }
    assert!(
        files.len() > 2_700,
        "{} files in the manifests",
        files.len()
    );
    let (mut parsed, mut with_problems) = (0, 0);
    for path in &files {
        let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut project = Project::new(root);
        let Some(file) = project.load(path) else {
            continue;
        };
        if project.files[file].problem.is_some() {
            with_problems += 1;
        }
        let Some(module) = &project.files[file].module else {
            continue;
        };
        parsed += 1;
        // Every function with a parameter is tried as a handler: the worst case.
        let candidates: Vec<usize> = module
            .functions
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, f)| !f.params.is_empty())
            .map(|(index, _)| index)
            .take(20)
            .collect();
        let mut engine = Engine::new(&mut project);
        for function in candidates {
            engine.analyse_handler(file, function);
        }
        engine.sweep();
    }
    eprintln!(
        "{} files: {parsed} analysed, {with_problems} with a notice",
        files.len()
    );
    assert!(
        parsed * 100 >= files.len() * 95,
        "only {parsed} of {} files analysed",
        files.len()
    );
}

#[test]
fn the_corpora_functions_are_followed_to_their_code() {
    let Some(root) = warden_corpora::require("serverless-patterns") else {
        return;
    };
    let Some(examples) = warden_corpora::require("serverless-examples") else {
        return;
    };
    let loaded = warden_iac::load_paths(
        &[root, examples],
        &warden_iac::LoadOptions::default(),
        &|_| false,
    );
    let mut sources = loaded.sources.clone();
    let report = warden_code::analyse(&loaded.templates, &mut sources, &|_| true);
    let functions: usize = loaded
        .templates
        .iter()
        .map(|t| t.analysis.functions.len())
        .sum();
    eprintln!(
        "{functions} functions: {} analysed, {} findings, {} notices",
        report.functions_analysed,
        report.findings.len(),
        report.notices.len()
    );
    assert!(report.functions_analysed > 500);
    // Every function is either analysed or named in a notice.
    let noticed = report
        .notices
        .iter()
        .filter(|n| n.kind == "code-not-analysed")
        .count();
    assert!(report.functions_analysed + noticed >= functions * 9 / 10);
    for finding in &report.findings {
        assert!(sources.locate(finding.span).is_some(), "{finding:?}");
        for step in &finding.path {
            assert!(sources.locate(step.span).is_some(), "{step:?}");
        }
    }
}
