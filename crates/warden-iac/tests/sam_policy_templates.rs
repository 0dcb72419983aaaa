//! Every SAM policy template expands into real statements on the function's role.

use warden_diagnostics::SourceMap;
use warden_iac::policy::sam_policy_templates;
use warden_iac::{load_text, LoadOptions};

#[test]
fn every_policy_template_expands_to_statements() {
    let mut failures = Vec::new();
    for (name, template) in sam_policy_templates() {
        // Give every template parameter a value, as a user would.
        let parameters: Vec<String> = template
            .get("Parameters")
            .and_then(|p| p.as_object())
            .map(|p| {
                p.keys()
                    .map(|key| format!("              {key}: example-{}", key.to_lowercase()))
                    .collect()
            })
            .unwrap_or_default();
        let policy = if parameters.is_empty() {
            format!("          - {name}: {{}}\n")
        } else {
            format!("          - {name}:\n{}\n", parameters.join("\n"))
        };
        let text = format!(
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.b\n      CodeUri: .\n      Policies:\n{policy}"
        );
        let mut sources = SourceMap::new();
        let loaded = load_text(
            &mut sources,
            "template.yaml",
            &text,
            &LoadOptions::default(),
        )
        .unwrap_or_else(|error| panic!("{name}: {error}\n{text}"))
        .expect("a template");
        let function = &loaded.analysis.functions[0];
        let from_template: Vec<_> = function
            .permissions
            .statements
            .iter()
            // SAM names the inline policy by role and position, as the account lists it.
            .filter(|statement| statement.origin == "FnRolePolicy0")
            .collect();
        if from_template.is_empty() || from_template.iter().any(|s| s.actions.is_empty()) {
            failures.push(name.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "templates without statements: {failures:?}"
    );
    assert!(sam_policy_templates().len() >= 80);
}
