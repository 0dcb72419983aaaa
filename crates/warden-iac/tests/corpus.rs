//! Every file of the shared corpora loads without a panic; malformed ones are located errors.

use warden_iac::{load_paths, LoadOptions};

#[test]
fn corpora_load_without_panics() {
    let Some(root) = warden_corpora::require("serverless-patterns") else {
        return;
    };
    let root = root.parent().unwrap().to_path_buf();
    let loaded = load_paths(
        &[root.join("serverless-patterns")],
        &LoadOptions::default(),
        &|_| false,
    );
    // 498 SAM + 63 other CloudFormation YAML + 1 JSON in the manifest.
    assert!(
        loaded.templates.len() + loaded.errors.len() >= 540,
        "templates {} errors {}",
        loaded.templates.len(),
        loaded.errors.len()
    );
    assert!(loaded.templates.len() > 500, "{}", loaded.templates.len());
    for error in &loaded.errors {
        assert!(error.line > 0, "error without a position: {error}");
    }
    let functions: usize = loaded
        .templates
        .iter()
        .map(|t| t.analysis.functions.len())
        .sum();
    let routes: usize = loaded
        .templates
        .iter()
        .map(|t| t.analysis.routes.len())
        .sum();
    assert!(functions > 500, "functions {functions}");
    assert!(routes > 100, "routes {routes}");
    let all = load_paths(&[root], &LoadOptions::default(), &|_| false);
    assert!(all.templates.len() >= loaded.templates.len());
}
