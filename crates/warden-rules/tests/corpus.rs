//! Every rule runs on every template of the shared corpora without a panic, and the
//! findings it produces point inside the file they name.

use warden_iac::{load_paths, LoadOptions};
use warden_rules::{check_template, CheckOptions};

#[test]
fn all_rules_run_on_the_corpora() {
    let Some(patterns) = warden_corpora::require("serverless-patterns") else {
        return;
    };
    let root = patterns.parent().unwrap().to_path_buf();
    let loaded = load_paths(&[root], &LoadOptions::default(), &|_| false);
    assert!(loaded.templates.len() > 500);
    let mut findings = 0;
    for template in &loaded.templates {
        for finding in check_template(template, &|_| true, &CheckOptions::default()) {
            let file = loaded
                .sources
                .get(finding.span.file)
                .expect("finding in a loaded file");
            assert!(
                (finding.span.end as usize) <= file.text.len()
                    && finding.span.start <= finding.span.end,
                "{} span {:?} outside {}",
                finding.code,
                finding.span,
                file.display_path()
            );
            assert!(!finding.message.is_empty() && !finding.resource.is_empty());
            findings += 1;
        }
    }
    assert!(
        findings > 1000,
        "only {findings} findings on the whole corpus"
    );
}
