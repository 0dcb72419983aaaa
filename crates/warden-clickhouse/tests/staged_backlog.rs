//! A backlog of long staged lines is assembled in rounds that each fit in one answer.
//! (A round used to ask for 50,000 rows at once; with long lines the answer passed the
//! HTTP client's 10 MB limit, and the same round failed forever.)

mod support;

use warden_server::store::{AssemblyPositions, StagedEvent, Store};

/// Event `id` of node `node-a`, staged with `message`.
fn staged(id: i64, message: String) -> StagedEvent {
    StagedEvent {
        node: "node-a".into(),
        id,
        request_key: None,
        event: warden_logs::OwnedLogEvent {
            timestamp_ms: Some(1_767_225_600_000 + id),
            message,
            log_group: "/aws/lambda/checkout".into(),
            log_stream: "2026/01/01/[$LATEST]abc".into(),
            id: Some(format!("event-{id}")),
            account: None,
            region: None,
        },
    }
}

#[test]
fn a_backlog_of_long_lines_is_read_in_rounds_in_staging_order() {
    if !support::available() {
        return;
    }
    let clickhouse = support::ClickHouse::start();
    let url = clickhouse.url();
    let store = warden_clickhouse::ClickHouseStore::connect(&url, None).unwrap();
    store.migrate().unwrap();

    // 3,000 lines of 10 KB: 30 MB staged, three times what one unbounded round could read.
    let padding = "x".repeat(10_000);
    let staged: Vec<StagedEvent> = (0..3_000)
        .map(|i| staged(i, format!("{i} {padding}")))
        .collect();
    for chunk in staged.chunks(500) {
        store.stage_events(chunk, &[], 1_767_225_600_000).unwrap();
    }

    let mut positions = AssemblyPositions::new();
    let mut read = Vec::new();
    let mut rounds = 0;
    loop {
        let round = store.staged_events(&positions, 50_000).unwrap();
        if round.is_empty() {
            break;
        }
        rounds += 1;
        assert!(
            rounds <= 10,
            "the backlog is read in a few rounds, not one row at a time"
        );
        positions.insert("node-a".into(), round.last().unwrap().id);
        read.extend(round.into_iter().map(|event| event.id));
    }
    assert!(rounds >= 2, "30 MB does not fit in one round");
    assert_eq!(read, (0..3_000).collect::<Vec<i64>>());
}

#[test]
fn retention_keeps_staged_lines_the_assembler_has_not_read() {
    if !support::available() {
        return;
    }
    let clickhouse = support::ClickHouse::start();
    let url = clickhouse.url();
    let store = warden_clickhouse::ClickHouseStore::connect(&url, None).unwrap();
    store.migrate().unwrap();
    let event = |id: i64| staged(id, format!("line {id}"));
    store
        .stage_events(&[event(1), event(2)], &[], 1_767_225_600_000)
        .unwrap();
    let days_later = warden_server::clock::now_ms() + 3 * 86_400_000;
    let policy = warden_server::store::RetentionPolicy {
        days: 30,
        max_bytes: u64::MAX,
    };

    // Three days on, the staging day is past its keep time, but nothing was assembled.
    store.apply_retention(policy, days_later).unwrap();
    let left = store.staged_events(&AssemblyPositions::new(), 100).unwrap();
    assert_eq!(left.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);

    // Once assembled, the day goes.
    let positions = AssemblyPositions::from([("node-a".to_owned(), 2)]);
    store.save_assembly_positions(&positions).unwrap();
    store.apply_retention(policy, days_later).unwrap();
    let fresh = warden_clickhouse::ClickHouseStore::open(&url, None).unwrap();
    assert!(fresh
        .staged_events(&AssemblyPositions::new(), 100)
        .unwrap()
        .is_empty());
}
