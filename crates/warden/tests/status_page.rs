//! The dashboard's Status page in headless Chromium against `warden serve --poll` reading
//! moto's CloudWatch Logs: each log group's row shows the calls made and the events read
//! that `/api/v1/status` reports. The screenshot is kept in `target/tmp/dashboard/status.png`.

mod browser;
mod poll_support;

use std::path::Path;

use poll_support::support::moto::Moto;
use poll_support::{now_ms, put_invocations, serve, status, wait_for, Truth};

/// The text of each cell of the table row `<tr data-log-group="{group}">` in `html`.
fn row_cells(html: &str, group: &str) -> Vec<String> {
    let start = html
        .find(&format!("<tr data-log-group=\"{group}\">"))
        .unwrap_or_else(|| panic!("no row for {group}:\n{html}"));
    let row = &html[start..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let cell = &cell[cell.find('>').unwrap() + 1..];
            // Drop inner tags (`<code>`), keep the text.
            let mut text = String::new();
            let mut in_tag = false;
            for c in cell.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.trim().to_owned()
        })
        .collect()
}

fn count(text: &str) -> u64 {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text:?}"))
}

#[test]
fn status_page_shows_calls_events_and_lag_per_log_group() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let Some(browser) = browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let base = now_ms() - 5 * 60_000;
    let mut per_group = Vec::new();
    for (function, invocations) in [("orders", 12), ("email", 5)] {
        let mut truth = Truth::default();
        put_invocations(&moto, &mut truth, function, "aaaa", base, invocations, true);
        per_group.push((format!("/aws/lambda/{function}"), truth.events));
    }
    let server = serve(&moto, &moto.endpoint, data_dir.to_str().unwrap(), &[]);
    let group_status = |s: &serde_json::Value, group: &str| {
        s["poll"]["log_groups"]
            .as_array()
            .and_then(|groups| groups.iter().find(|g| g["log_group"] == group).cloned())
    };
    wait_for(&server.addr, "every group's events read", |s| {
        per_group.iter().all(|(group, events)| {
            group_status(s, group).is_some_and(|g| g["events"].as_u64() == Some(*events))
        })
    });
    let before = status(&server.addr);

    let url = format!("http://{}/#/status", server.addr);
    let html = browser::chromium_run(browser, &dir.path().join("profile"), &url, None);
    let after = status(&server.addr);
    assert!(!html.contains("Could not load"), "{html}");
    assert!(!html.contains("id=\"poll-off\""), "{html}");
    for (group, events) in &per_group {
        let cells = row_cells(&html, group);
        assert_eq!(cells[0], *group, "{cells:?}");
        // The poller keeps sweeping while the page loads: its calls lie between the two
        // statuses read around it.
        let calls = count(&cells[1]);
        let calls_before = group_status(&before, group).unwrap()["calls"]
            .as_u64()
            .unwrap();
        let calls_after = group_status(&after, group).unwrap()["calls"]
            .as_u64()
            .unwrap();
        assert!(
            calls_before >= 1 && (calls_before..=calls_after).contains(&calls),
            "{group}: {calls} calls shown, {calls_before}..={calls_after} made: {cells:?}"
        );
        assert_eq!(count(&cells[2]), *events, "{group}: {cells:?}");
        // The newest event was written about five minutes ago: the lag reads in minutes.
        assert!(
            cells[3].contains(" min ") && cells[3].ends_with(" s"),
            "{group}: lag {:?}",
            cells[3]
        );
        assert!(
            cells[4].ends_with('Z'),
            "{group}: newest event {:?}",
            cells[4]
        );
        assert_eq!(cells[6], "–", "{group}: no notice: {cells:?}");
    }
    let total: u64 = per_group.iter().map(|(_, events)| events).sum();
    assert!(
        html.contains("Total (2 log groups)") && html.contains(&format!(">{total}<")),
        "{html}"
    );
    assert!(
        html.contains("Throttled calls") && html.contains("Sweeps"),
        "{html}"
    );

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&shots).unwrap();
    browser::chromium_run(
        browser,
        &dir.path().join("profile2"),
        &url,
        Some(&shots.join("status.png")),
    );
}
