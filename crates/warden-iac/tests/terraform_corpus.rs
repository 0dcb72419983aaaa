//! Every Terraform module of the serverless-patterns corpus loads without panicking; most
//! yield functions; errors carry positions.

use warden_iac::{load_paths, Format, LoadOptions};

#[test]
fn corpus_terraform_modules_load() {
    let Some(root) = warden_corpora::require("serverless-patterns") else {
        return;
    };
    // Only Terraform files: CloudFormation files of the corpus are covered elsewhere.
    let excluded = |path: &std::path::Path| {
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        !matches!(extension, "tf" | "tfvars")
    };
    let loaded = load_paths(&[root], &LoadOptions::default(), &excluded);
    let terraform: Vec<_> = loaded
        .templates
        .iter()
        .filter(|t| t.format == Format::Terraform)
        .collect();
    let modules_with_tf = loaded
        .sources
        .files()
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "tf"))
        .filter_map(|f| f.path.parent().map(|p| p.to_path_buf()))
        .collect::<std::collections::BTreeSet<_>>();
    let with_functions = terraform
        .iter()
        .filter(|t| !t.analysis.functions.is_empty())
        .count();
    eprintln!(
        "{} module directories, {} templates, {} with functions, {} errors",
        modules_with_tf.len(),
        terraform.len(),
        with_functions,
        loaded.errors.len()
    );
    for error in &loaded.errors {
        eprintln!(
            "{}:{}:{}: {}",
            error.file, error.line, error.column, error.message
        );
        assert!(error.line > 0, "error without a position: {error:?}");
    }
    assert!(
        terraform.len() * 10 >= modules_with_tf.len() * 8,
        "most module directories load"
    );
    // Every directory that declares a function yields it (others get theirs from modules).
    let declaring = loaded
        .sources
        .files()
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "tf"))
        .filter(|f| f.text.contains("resource \"aws_lambda_function\""))
        .filter_map(|f| f.path.parent().map(|p| p.to_path_buf()))
        .collect::<std::collections::BTreeSet<_>>();
    assert!(
        with_functions >= declaring.len(),
        "every module declaring functions yields them"
    );
    // Every function's role is resolved when the corpus declares it in the module.
    let functions = terraform
        .iter()
        .flat_map(|t| t.analysis.functions.iter().map(move |f| (t, f)));
    let mut resolved = 0;
    let mut total = 0;
    for (template, function) in functions {
        total += 1;
        if matches!(function.role, warden_iac::RoleBinding::Resource(_)) {
            resolved += 1;
        } else {
            eprintln!(
                "role not resolved: {} {:?}",
                function.resource(template).id,
                function.role
            );
        }
    }
    eprintln!("{resolved}/{total} function roles resolved");
    assert!(resolved * 10 >= total * 8, "most function roles resolve");
}
