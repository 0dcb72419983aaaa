//! Every `serverless.yml` of the shared corpora loads without a panic: most become templates
//! with functions, the others are located errors or (non-AWS providers) not templates.

use std::path::{Path, PathBuf};

use warden_diagnostics::SourceMap;
use warden_iac::{load_paths, load_text, Format, LoadOptions};

fn service_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            service_files(&path, out);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| matches!(n, "serverless.yml" | "serverless.yaml" | "serverless.json"))
        {
            out.push(path);
        }
    }
}

#[test]
fn serverless_corpora_load_without_panics() {
    let Some(examples) = warden_corpora::require("serverless-examples") else {
        return;
    };
    let root = examples.parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    service_files(&root.join("serverless-examples"), &mut files);
    service_files(&root.join("serverless-patterns"), &mut files);
    assert!(files.len() >= 200, "{} service files", files.len());

    let mut templates = 0;
    let mut with_functions = 0;
    let mut errors = Vec::new();
    let mut not_aws = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = SourceMap::new();
        match load_text(&mut sources, path.clone(), &text, &LoadOptions::default()) {
            Ok(Some(template)) => {
                assert_eq!(template.format, Format::Serverless, "{}", path.display());
                templates += 1;
                if !template.analysis.functions.is_empty() {
                    with_functions += 1;
                }
                for function in &template.analysis.functions {
                    let resource = function.resource(&template);
                    assert_eq!(resource.origin.resource_type, "Serverless::Function");
                }
            }
            Ok(None) => not_aws += 1,
            Err(error) => {
                assert!(
                    error.line > 0,
                    "error without a position in {}: {error}",
                    path.display()
                );
                errors.push(error);
            }
        }
    }
    eprintln!(
        "{} files: {templates} templates ({with_functions} with functions), {} errors, {not_aws} not AWS",
        files.len(),
        errors.len()
    );
    for error in &errors {
        eprintln!("  {error}");
    }
    // Non-AWS providers (azure, google, openwhisk ...) are not templates.
    assert!(
        templates >= 130,
        "templates {templates}, errors {errors:?}, not AWS {not_aws}"
    );
    assert!(
        with_functions * 10 >= templates * 9,
        "{with_functions} of {templates} have functions"
    );
    assert!(errors.len() * 20 <= files.len(), "{errors:#?}");
}

#[test]
fn serverless_corpora_load_through_directory_walks() {
    let Some(patterns) = warden_corpora::require("serverless-patterns") else {
        return;
    };
    let loaded = load_paths(&[patterns], &LoadOptions::default(), &|_| false);
    let services = loaded
        .templates
        .iter()
        .filter(|template| template.format == Format::Serverless)
        .count();
    assert!(services >= 15, "{services}");
    for error in &loaded.errors {
        assert!(error.line > 0, "error without a position: {error}");
    }
}
