//! Rules, one file each, grouped by what they look at. Each group's `mod.rs` lists its rules
//! in code order in `RULES`.
pub mod api;
pub mod functions;
pub mod iam;
pub mod logging;
pub mod permissions;
pub mod secrets;
pub mod serverless;
pub mod storage;

/// Names as a list for messages: `` `a` ``, `` `a` and `b` ``, `` `a`, `b`, `c` and 3 more ``.
pub(crate) fn name_list(names: &[&str]) -> String {
    const SHOWN: usize = 4;
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n if n <= SHOWN => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
        n => format!(
            "{} and {} more",
            quoted[..SHOWN - 1].join(", "),
            n - (SHOWN - 1)
        ),
    }
}

/// Renders names as a list of code spans: `` `a`, `b` ``.
pub(crate) fn code_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
