//! Input that a scanner meets and must survive: syntax errors, minified bundles, huge files,
//! deep nesting. Each gives a notice or a partial analysis, never a panic.

use std::path::PathBuf;

use warden_code::engine::Engine;
use warden_code::lang::Language;
use warden_code::project::{parse_file, Project, MAX_FILE_BYTES};

fn analyse(language: Language, text: String) -> (Option<String>, usize) {
    let mut project = Project::new(PathBuf::from("."));
    let extension = if language == Language::Python {
        "py"
    } else {
        "js"
    };
    let file = project.add_text(PathBuf::from(format!("x.{extension}")), language, text);
    let problem = project.files[file].problem.clone();
    let functions = project.files[file]
        .module
        .as_ref()
        .map_or(0, |m| m.functions.len());
    if project.files[file].module.is_some() {
        let mut engine = Engine::new(&mut project);
        if let Some((f, id)) = engine.find_handler(file, "handler") {
            engine.analyse_handler(f, id);
        }
        engine.sweep();
    }
    (problem, functions)
}

#[test]
fn syntax_errors_give_a_partial_analysis_with_a_notice() {
    let (problem, functions) = analyse(
        Language::Python,
        "def handler(event, context):\n    os.system(event['x'\n\ndef other(:\n".into(),
    );
    assert!(problem.unwrap().contains("syntax errors"));
    assert!(functions >= 1);
    let (problem, _) = analyse(
        Language::JavaScript,
        "exports.handler = async (event => {".into(),
    );
    assert!(problem.unwrap().contains("syntax errors"));
}

#[test]
fn minified_and_huge_files_are_not_analysed() {
    let minified = format!("var a=1;{}", "a=a+1;".repeat(2_000));
    let (problem, functions) = analyse(Language::JavaScript, minified);
    assert!(problem.unwrap().contains("minified"));
    assert_eq!(functions, 0);
    let huge = "x = 1\n".repeat(MAX_FILE_BYTES / 6 + 10);
    let file = parse_file(PathBuf::from("huge.py"), Language::Python, huge);
    assert!(file.problem.unwrap().contains("limit"));
    assert!(file.module.is_none());
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 20_000;
    let nested = format!(
        "def handler(event, context):\n    return {}event{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let _ = analyse(Language::Python, nested);
    let nested_js = format!(
        "exports.handler = (event) => {}event{};\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let _ = analyse(Language::JavaScript, nested_js);
    let calls = format!(
        "exports.handler = (event) => {}event{};\n",
        "f(".repeat(3_000),
        ")".repeat(3_000)
    );
    let _ = analyse(Language::JavaScript, calls);
}

#[test]
fn binary_and_empty_input_is_harmless() {
    let _ = analyse(Language::Python, String::new());
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect();
    let _ = analyse(
        Language::JavaScript,
        String::from_utf8_lossy(&bytes).into_owned(),
    );
}
