//! The data directory holds secrets (webhook secret, Slack URL) and raw logs: only the
//! server's user may read it.

mod common;

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_0700_and_every_file_in_it_0600() {
    use std::os::unix::fs::PermissionsExt;

    use common::*;

    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    // An existing, too-open directory with a too-open file is tightened too.
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("notes.txt"), "x").unwrap();
    std::fs::set_permissions(
        dir.join("notes.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let (server, base) = start(config(&dir)).await;
    let events = invocation_lines("perm", "s", "r1", now_ms(), &[], "");
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        names.push(entry.file_name().to_string_lossy().into_owned());
        assert_eq!(mode(&entry.path()), 0o600, "{:?}", entry.path());
    }
    for expected in ["warden.db", "warden.db-wal", "warden.db-shm"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    server.stop().await;
}
