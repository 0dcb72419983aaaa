//! Poll checkpoints in the SQLite store: committed with a batch, read back after reopening,
//! ids added by each write and forgotten once older than the resume point.

use warden_server::store::sqlite::SqliteStore;
use warden_server::store::{PollCheckpoint, SeenEvent, Store, WriteBatch};

fn seen(ids: &[(&str, i64)]) -> Vec<SeenEvent> {
    ids.iter()
        .map(|(id, at)| SeenEvent {
            id: id.to_string(),
            timestamp_ms: *at,
        })
        .collect()
}

fn commit(store: &SqliteStore, checkpoints: Vec<PollCheckpoint>) {
    store
        .write_batch(&WriteBatch {
            checkpoints,
            received_at_ms: 1,
            ..WriteBatch::default()
        })
        .unwrap();
}

#[test]
fn checkpoints_survive_a_reopen_and_keep_only_ids_after_the_resume_point() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        assert!(store.poll_checkpoints().unwrap().is_empty());
        commit(
            &store,
            vec![
                PollCheckpoint {
                    log_group: "/aws/lambda/b".into(),
                    newest_ms: Some(9_000),
                    resume_from_ms: 4_000,
                    seen: seen(&[("b1", 5_000), ("b2", 9_000)]),
                },
                PollCheckpoint {
                    log_group: "/aws/lambda/a".into(),
                    newest_ms: None,
                    resume_from_ms: 100,
                    seen: Vec::new(),
                },
            ],
        );
        // The next page moves b on: b1 falls behind the resume point; b2 is written again
        // (idempotent) with b3.
        commit(
            &store,
            vec![PollCheckpoint {
                log_group: "/aws/lambda/b".into(),
                newest_ms: Some(12_000),
                resume_from_ms: 7_000,
                seen: seen(&[("b2", 9_000), ("b3", 12_000)]),
            }],
        );
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let checkpoints = store.poll_checkpoints().unwrap();
    assert_eq!(
        checkpoints,
        [
            PollCheckpoint {
                log_group: "/aws/lambda/a".into(),
                newest_ms: None,
                resume_from_ms: 100,
                seen: Vec::new(),
            },
            PollCheckpoint {
                log_group: "/aws/lambda/b".into(),
                newest_ms: Some(12_000),
                resume_from_ms: 7_000,
                seen: seen(&[("b2", 9_000), ("b3", 12_000)]),
            },
        ]
    );
}
