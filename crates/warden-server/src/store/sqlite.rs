//! The embedded store: SQLite in WAL mode in the data directory, migrations from
//! `migrations/NNNN_*.sql` tracked by `PRAGMA user_version`.
//!
//! One writer connection (the ingest pipeline is the only writer of log data; alert and
//! group-status updates are small) and a small pool of reader connections, which WAL lets
//! read while the writer commits. `synchronous = FULL`: a commit is on disk before the
//! request that carried it is acknowledged.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, Transaction};
use sha2::{Digest, Sha256};
use warden_logs::time::format_millis;
use warden_logs::{Emitted, ErrorOccurrence, ErrorRef, Invocation, Outcome, SecurityEvent, Sketch};

use super::sketch_fold::SketchFold;
use super::*;
use crate::alert_rules::{AlertRuleSpec, AlertState};
use crate::clock::now_ms;

/// Buckets one series may have at most.
const MAX_SERIES_BUCKETS: i64 = 100_000;

/// Work a migration does in Rust after its SQL, inside the same transaction.
type MigrationStep = fn(&Connection) -> rusqlite::Result<()>;

mod custom_metrics;

use custom_metrics::{
    first_time_metric, fold_metric, upsert_metric_minutes, MetricMinute, MetricMinuteKey,
};

/// Numbered migrations, applied in order; a database records the last one applied.
const MIGRATIONS: &[(i64, &str, Option<MigrationStep>)] = &[
    (1, include_str!("../../migrations/0001_init.sql"), None),
    (
        2,
        include_str!("../../migrations/0002_drop_line_request_index.sql"),
        None,
    ),
    (
        3,
        include_str!("../../migrations/0003_invocation_identity.sql"),
        None,
    ),
    (
        4,
        include_str!("../../migrations/0004_rollups_day.sql"),
        Some(backfill_day_rollups),
    ),
    (
        5,
        include_str!("../../migrations/0005_line_search.sql"),
        None,
    ),
    (6, include_str!("../../migrations/0006_findings.sql"), None),
    (
        7,
        include_str!("../../migrations/0007_custom_metrics.sql"),
        None,
    ),
    (
        8,
        include_str!("../../migrations/0008_memory_at_limit.sql"),
        None,
    ),
    (
        9,
        include_str!("../../migrations/0009_event_rollups.sql"),
        None,
    ),
    (
        10,
        include_str!("../../migrations/0010_poll_checkpoints.sql"),
        None,
    ),
];
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Rollup tiers, coarsest first: a window reads whole days from the day table, whole hours
/// at its edges from the hour table and the ragged minutes from the minute table.
const TIERS: [(&str, i64); 3] = [
    ("rollups_day", DAY_MS),
    ("rollups_hour", HOUR_MS),
    ("rollups_minute", MINUTE_MS),
];
const MAX_READERS: usize = 8;

pub struct SqliteStore {
    path: Option<std::path::PathBuf>,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    sealed: SealedFolds,
}

/// Folds of rollup ranges that lie wholly before the sealed horizon (the hour before the
/// current one, by the server's clock), kept between requests: live ingest only writes
/// into recent buckets, so a 30-day window re-reads only its last hours and minutes.
/// A write that touches a bucket older than the horizon bumps its function's generation
/// after it commits, which retires that function's kept folds (a backfill of one function
/// leaves the others' folds alone); every retention pass bumps `generation`, which retires
/// them all.
#[derive(Default)]
struct SealedFolds {
    generation: std::sync::atomic::AtomicU64,
    functions: Mutex<HashMap<String, u64>>,
    folds: Mutex<HashMap<RangeKey, (Generation, std::sync::Arc<KeptFold>)>>,
    /// Sparkline rows of sealed ranges.
    counts: Mutex<HashMap<RangeKey, (Generation, KeptCounts)>>,
}

/// The store-wide and the function's generation a fold was read under.
type Generation = (u64, u64);

/// Every generation as of one moment, read before a read transaction starts so a fold is
/// never kept under a newer generation than the data it was read from.
struct Generations {
    store: u64,
    functions: HashMap<String, u64>,
}

impl Generations {
    fn of(&self, function: &str) -> Generation {
        (
            self.store,
            self.functions.get(function).copied().unwrap_or(0),
        )
    }
}

/// A function's rows `[first, end)` of a rollup table.
type RangeKey = (String, &'static str, i64, i64);
/// (bucket, invocations, failures)
type BucketCounts = (i64, u64, u64);
type KeptCounts = std::sync::Arc<[BucketCounts]>;

const MAX_SEALED_FOLDS: usize = 50_000;

/// Buckets ending at or before this time are sealed.
fn sealed_horizon(now_ms: i64) -> i64 {
    (now_ms.div_euclid(HOUR_MS) - 1) * HOUR_MS
}

impl SealedFolds {
    fn generations(&self) -> Generations {
        Generations {
            store: self.generation.load(std::sync::atomic::Ordering::SeqCst),
            functions: lock(&self.functions).clone(),
        }
    }

    fn retire_all(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Retires the kept folds of the functions a commit changed before the horizon.
    fn retire(&self, touched: &HashMap<String, i64>, horizon: i64) {
        let mut functions = lock(&self.functions);
        for (function, &oldest) in touched {
            if oldest < horizon {
                *functions.entry(function.clone()).or_insert(0) += 1;
            }
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Backend(error.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Backend(format!("stored JSON: {error}"))
    }
}

/// A pooled reader that goes back to the pool when dropped.
struct Reader<'a> {
    store: &'a SqliteStore,
    connection: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.connection
            .as_ref()
            .expect("reader is live until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            let mut pool = lock(&self.store.readers);
            if pool.len() < MAX_READERS {
                pool.push(connection);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
    // back on drop), so a poisoned lock is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(unix)]
fn make_private(data_dir: &Path, database: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)?;
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(database)?;
    for entry in std::fs::read_dir(data_dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private(data_dir: &Path, _database: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)
}

impl SqliteStore {
    /// Opens (creating if needed) `warden.db` in `data_dir` and migrates it.
    /// The directory is made private (0700) and every file in it 0600: the database holds
    /// webhook secrets, Slack URLs and raw logs. SQLite gives `-wal` and `-shm` the mode of
    /// the database file, which is created 0600 before SQLite opens it.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        let path = data_dir.join("warden.db");
        make_private(data_dir, &path)
            .map_err(|e| StoreError::Backend(format!("securing {}: {e}", data_dir.display())))?;
        let writer = Connection::open(&path)?;
        configure(&writer, true)?;
        register_functions(&writer)?;
        migrate(&writer)?;
        Ok(SqliteStore {
            path: Some(path),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            sealed: SealedFolds::default(),
        })
    }

    /// An in-memory store for tests: one shared connection.
    pub fn in_memory() -> StoreResult<SqliteStore> {
        let writer = Connection::open_in_memory()?;
        register_functions(&writer)?;
        migrate(&writer)?;
        Ok(SqliteStore {
            path: None,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            sealed: SealedFolds::default(),
        })
    }

    fn reader(&self) -> StoreResult<ReaderOrWriter<'_>> {
        let Some(path) = &self.path else {
            return Ok(ReaderOrWriter::Writer(lock(&self.writer)));
        };
        if let Some(connection) = lock(&self.readers).pop() {
            return Ok(ReaderOrWriter::Reader(Reader {
                store: self,
                connection: Some(connection),
            }));
        }
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&connection, false)?;
        register_functions(&connection)?;
        Ok(ReaderOrWriter::Reader(Reader {
            store: self,
            connection: Some(connection),
        }))
    }
}

enum ReaderOrWriter<'a> {
    Reader(Reader<'a>),
    Writer(MutexGuard<'a, Connection>),
}

impl std::ops::Deref for ReaderOrWriter<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            ReaderOrWriter::Reader(reader) => reader,
            ReaderOrWriter::Writer(writer) => writer,
        }
    }
}

fn configure(connection: &Connection, writer: bool) -> StoreResult<()> {
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    if writer {
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        // The request-id indexes take inserts at random places: a large cache keeps
        // their pages in memory as the database grows (256 MiB).
        connection.pragma_update(None, "cache_size", -262_144)?;
        // Checkpoint in bigger steps: fewer, longer copies back into the database.
        connection.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    } else {
        connection.pragma_update(None, "cache_size", -32_000)?;
        // Readers map the file instead of copying pages through read(2): window queries
        // touch thousands of rollup pages per request.
        connection.pragma_update(None, "mmap_size", 256i64 << 20)?;
    }
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn migrate(connection: &Connection) -> StoreResult<()> {
    let current: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for &(version, sql, step) in MIGRATIONS {
        if version <= current {
            continue;
        }
        let apply = || -> rusqlite::Result<()> {
            connection.execute_batch("BEGIN IMMEDIATE")?;
            connection.execute_batch(sql)?;
            if let Some(step) = step {
                step(connection)?;
            }
            connection.pragma_update(None, "user_version", version)?;
            connection.execute_batch("COMMIT")
        };
        if let Err(error) = apply() {
            let _ = connection.execute_batch("ROLLBACK");
            return Err(StoreError::Migration(format!(
                "migration {version}: {error}"
            )));
        }
    }
    Ok(())
}

/// Appends `clause` with its `?` numbered for the value it binds.
fn bind(
    sql: &mut String,
    values: &mut Vec<rusqlite::types::Value>,
    clause: &str,
    value: rusqlite::types::Value,
) {
    values.push(value);
    sql.push_str(&clause.replace('?', &format!("?{}", values.len())));
}

fn time(ms: Option<i64>) -> Option<String> {
    ms.map(format_millis)
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    let bytes = hasher.finalize();
    bytes[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// A search as the store runs it: an FTS5 query every matching line satisfies, and the
/// quoted phrases whose words must also stand next to each other, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextQuery {
    pub fts: String,
    /// Each phrase as its lowercase tokens joined by one space (see [`phrase_tokens`]).
    pub phrases: Vec<String>,
}

/// The tokens the index holds for a text (unicode61: runs of letters and digits,
/// case-folded): `payments.js` is `payments` and `js`.
pub fn phrase_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// What a user typed as a search: every word must occur (in any order), a trailing `*`
/// makes a word a prefix, and words in double quotes are a phrase (they must occur next
/// to each other, in that order; an unclosed quote runs to the end). Words are cut into
/// the tokens the index holds and each is quoted, so FTS5 operators and punctuation in
/// the input are literal. The index keeps no positions (`detail = none`, a third of its
/// size), so the FTS5 query asks for a phrase's words and the store checks their order on
/// the lines it finds. `None` when there is no token.
pub fn fts_query(text: &str) -> Option<TextQuery> {
    let mut terms = Vec::new();
    let mut phrases = Vec::new();
    for (n, part) in text.split('"').enumerate() {
        // Odd parts were inside quotes.
        if n % 2 == 1 {
            let tokens: Vec<String> = phrase_tokens(part).collect();
            terms.extend(tokens.iter().map(|t| format!("\"{t}\"")));
            if tokens.len() > 1 {
                phrases.push(tokens.join(" "));
            }
            continue;
        }
        for word in part.split_whitespace() {
            let (word, prefix) = match word.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (word, false),
            };
            let tokens: Vec<String> = phrase_tokens(word).collect();
            for (n, token) in tokens.iter().enumerate() {
                let last = n + 1 == tokens.len();
                terms.push(if prefix && last {
                    format!("\"{token}\"*")
                } else {
                    format!("\"{token}\"")
                });
            }
        }
    }
    (!terms.is_empty()).then(|| TextQuery {
        fts: terms.join(" "),
        phrases,
    })
}

/// Whether `message` holds the tokens of `phrase` (as [`TextQuery::phrases`] keeps them)
/// next to each other and in order.
pub fn contains_phrase(message: &str, phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    let tokens: Vec<String> = phrase_tokens(message).collect();
    !wanted.is_empty()
        && tokens
            .windows(wanted.len())
            .any(|window| window.iter().zip(&wanted).all(|(a, b)| a == b))
}

/// Registers the SQL functions the store's queries use on a connection:
/// `warden_phrase(message, phrase)` is [`contains_phrase`].
fn register_functions(connection: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    connection.create_scalar_function(
        "warden_phrase",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let message = context.get_raw(0).as_str().unwrap_or("");
            let phrase = context.get_raw(1).as_str().unwrap_or("");
            Ok(contains_phrase(message, phrase))
        },
    )
}

/// Appends the phrase checks of a search on the message column `column`.
fn bind_phrases(
    sql: &mut String,
    values: &mut Vec<rusqlite::types::Value>,
    column: &str,
    query: &TextQuery,
) {
    for phrase in &query.phrases {
        bind(
            sql,
            values,
            &format!(" AND warden_phrase({column}, ?)"),
            phrase.clone().into(),
        );
    }
}

/// The text of a line the full-text index holds: the line without the runtime's prefix
/// fields that are its timestamp or its request id (`2026-01-01T00:00:00.000Z\t<id>\tINFO\t…`,
/// `[INFO]\t<time>\t<id>\t…`), and without other copies of the request id. Those tokens are
/// unique to each line or invocation: they were two thirds of the index's terms and most
/// of its cost at ingest, and they are searched through columns instead (the time window,
/// and a request id typed as text becomes the request id filter, see [`request_id_words`]).
pub fn indexed_text<'a>(message: &'a str, request_id: Option<&str>) -> Cow<'a, str> {
    let request_id = request_id.filter(|id| id.len() >= 8);
    let mut fields = message.splitn(4, '\t');
    let mut kept: Vec<&str> = Vec::new();
    let mut dropped = false;
    for _ in 0..3 {
        let Some(field) = fields.next() else { break };
        if is_timestamp(field) || Some(field) == request_id {
            dropped = true;
        } else {
            kept.push(field);
        }
    }
    let rest = fields.next();
    let text: Cow<'a, str> = if !dropped {
        Cow::Borrowed(message)
    } else {
        kept.extend(rest);
        Cow::Owned(kept.join("\t"))
    };
    match request_id {
        Some(id) if text.contains(id) => Cow::Owned(text.replace(id, " ")),
        _ => text,
    }
}

/// An RFC 3339 time as runtimes print it (`2026-01-01T00:00:00.000Z`, with or without
/// fractions, `Z` or an offset).
fn is_timestamp(field: &str) -> bool {
    let bytes = field.as_bytes();
    (19..=35).contains(&bytes.len())
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b"-:.TZ+".contains(b))
}

/// Words of a search that are request ids (UUIDs, as Lambda's are): the index does not
/// hold them (see [`indexed_text`]), so a search names them through the request id column.
pub fn request_id_words(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .map(|word| word.trim_matches('"'))
        .filter(|word| is_uuid(word))
        .collect()
}

/// A search text as (the first request id in it, the rest of its words).
fn split_request_id(text: &str) -> (Option<String>, Option<String>) {
    let Some(&id) = request_id_words(text).first() else {
        return (None, Some(text.to_owned()));
    };
    let rest: Vec<&str> = text
        .split_whitespace()
        .filter(|word| word.trim_matches('"') != id)
        .collect();
    (
        Some(id.to_owned()),
        (!rest.is_empty()).then(|| rest.join(" ")),
    )
}

fn is_uuid(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Whether a line goes into the full-text index: platform lines (START, END, REPORT,
/// INIT_*, RESTORE_*, extension bookkeeping and their JSON `platform.*` twins) are
/// structure, already in the invocation, and would dominate every search.
fn searchable(message: &str) -> bool {
    if message.starts_with('{') {
        return !message.contains("\"platform.");
    }
    warden_logs::platform::parse_platform_text(message).is_none()
}

/// Where an invocation falls on the time axis: its end, else its start, else arrival.
fn invocation_time(invocation: &Invocation, received_at_ms: i64) -> i64 {
    invocation
        .end
        .or(invocation.start)
        .unwrap_or(received_at_ms)
}

fn rollup_of(invocation: &Invocation) -> FunctionRollup {
    let mut rollup = FunctionRollup {
        function: invocation.function.clone(),
        log_group: invocation.log_group.clone(),
        invocations: 1,
        cold_starts: u64::from(invocation.cold_start),
        snapstart_restores: u64::from(invocation.snapstart_restore),
        memory_at_limit: u64::from(warden_logs::aggregate::memory_at_limit(invocation)),
        incomplete: u64::from(!invocation.complete),
        billed_ms: invocation.billed_duration_ms.unwrap_or(0),
        cost_usd: invocation.cost_usd.unwrap_or(0.0),
        max_memory_used_mb: invocation.max_memory_used_mb,
        memory_size_mb: invocation.memory_size_mb,
        duration_max_ms: invocation.duration_ms,
        ..FunctionRollup::default()
    };
    match invocation.outcome.as_str() {
        "error" => rollup.error = 1,
        "timeout" => rollup.timeout = 1,
        "out_of_memory" => rollup.out_of_memory = 1,
        "init_error" => rollup.init_error = 1,
        "crash" => rollup.crash = 1,
        _ => {}
    }
    if let Some(duration) = invocation.duration_ms {
        rollup.durations.add(duration);
    }
    rollup
}

/// The rollup columns as migration 4 found them (before `memory_at_limit`).
macro_rules! rollup_columns_v4 {
    () => {
        "function, bucket, log_group, invocations, error, timeout, out_of_memory, init_error, crash, cold_starts, snapstart_restores, incomplete, billed_ms, cost_usd, max_memory_used_mb, memory_size_mb, duration_max_ms, duration_sketch"
    };
}
const ROLLUP_COLUMNS_V4: &str = rollup_columns_v4!();
const ROLLUP_COLUMNS: &str = concat!(rollup_columns_v4!(), ", memory_at_limit");

/// A stored duration sketch. Blobs written before the server used `warden_logs::Sketch`
/// are 6-byte (i16 bucket index, u32 count) records: always an even length, where the
/// versioned encoding is always odd. They are read back bucket by bucket.
fn decode_sketch(bytes: &[u8]) -> Sketch {
    if bytes.len() % 2 == 1 {
        return Sketch::decode(bytes).unwrap_or_default();
    }
    let gamma: f64 = 1.01 / 0.99;
    let mut sketch = Sketch::default();
    for chunk in bytes.chunks_exact(6) {
        let index = i16::from_le_bytes([chunk[0], chunk[1]]);
        let n = u32::from_le_bytes([chunk[2], chunk[3], chunk[4], chunk[5]]);
        let value = if index == i16::MIN {
            0.0
        } else {
            2.0 * gamma.powi(i32::from(index)) / (gamma + 1.0)
        };
        for _ in 0..n.min(1 << 20) {
            sketch.add(value);
        }
    }
    sketch
}

fn read_rollup(row: &Row<'_>) -> rusqlite::Result<(i64, FunctionRollup)> {
    let sketch: Vec<u8> = row.get(17)?;
    Ok((
        row.get(1)?,
        FunctionRollup {
            function: row.get(0)?,
            log_group: row.get(2)?,
            invocations: row.get::<_, i64>(3)? as u64,
            error: row.get::<_, i64>(4)? as u64,
            timeout: row.get::<_, i64>(5)? as u64,
            out_of_memory: row.get::<_, i64>(6)? as u64,
            init_error: row.get::<_, i64>(7)? as u64,
            crash: row.get::<_, i64>(8)? as u64,
            cold_starts: row.get::<_, i64>(9)? as u64,
            snapstart_restores: row.get::<_, i64>(10)? as u64,
            incomplete: row.get::<_, i64>(11)? as u64,
            billed_ms: row.get::<_, i64>(12)? as u64,
            cost_usd: row.get(13)?,
            max_memory_used_mb: row.get(14)?,
            memory_size_mb: row.get(15)?,
            duration_max_ms: row.get(16)?,
            durations: decode_sketch(&sketch),
            memory_at_limit: row.get::<_, i64>(18)?.max(0) as u64,
        },
    ))
}

/// Folds one rollup row (selected with [`ROLLUP_COLUMNS`]) into `into` without building a
/// row struct or decoding the sketch separately: a 30-day window over 200 functions folds
/// tens of thousands of rows per request.
fn fold_row(row: &Row<'_>, fold: &mut RollupFold) -> rusqlite::Result<()> {
    let into = &mut fold.rollup;
    if into.log_group.is_empty() {
        into.log_group = row.get(2)?;
    }
    let count =
        |index: usize| -> rusqlite::Result<u64> { Ok(row.get::<_, i64>(index)?.max(0) as u64) };
    into.invocations += count(3)?;
    into.error += count(4)?;
    into.timeout += count(5)?;
    into.out_of_memory += count(6)?;
    into.init_error += count(7)?;
    into.crash += count(8)?;
    into.cold_starts += count(9)?;
    into.snapstart_restores += count(10)?;
    into.memory_at_limit += count(18)?;
    into.incomplete += count(11)?;
    into.billed_ms += count(12)?;
    into.cost_usd += row.get::<_, f64>(13)?;
    into.max_memory_used_mb = max_opt(into.max_memory_used_mb, row.get(14)?);
    into.memory_size_mb = max_opt(into.memory_size_mb, row.get(15)?);
    if let Some(max) = row.get::<_, Option<f64>>(16)? {
        into.duration_max_ms = Some(into.duration_max_ms.map_or(max, |m| m.max(max)));
    }
    if let rusqlite::types::ValueRef::Blob(bytes) = row.get_ref(17)? {
        // A sketch that does not decode counts nothing, as in `decode_sketch`; blobs of
        // the server's older format (even length) go through `decode_sketch`.
        if bytes.len() % 2 == 1 {
            let _ = fold.sketch.add_encoded(bytes);
        } else {
            fold.sketch.add_sketch(&decode_sketch(bytes));
        }
    }
    Ok(())
}

/// A rollup being folded from rows, its sketch kept dense until [`RollupFold::finish`].
#[derive(Default)]
struct RollupFold {
    rollup: FunctionRollup,
    sketch: SketchFold,
}

impl RollupFold {
    fn new(function: &str) -> RollupFold {
        RollupFold {
            rollup: FunctionRollup {
                function: function.to_owned(),
                ..FunctionRollup::default()
            },
            sketch: SketchFold::default(),
        }
    }

    fn finish(self) -> FunctionRollup {
        FunctionRollup {
            durations: self.sketch.finish(),
            ..self.rollup
        }
    }

    /// Adds a kept fold of a sealed range.
    fn add(&mut self, kept: &KeptFold) {
        if kept.counters.invocations == 0 {
            return;
        }
        self.rollup.merge(&kept.counters);
        let _ = self.sketch.add_encoded(&kept.sketch);
    }
}

/// A sealed range's fold as kept: its counters (no sketch) and its sketch encoded, so
/// adding it allocates nothing.
struct KeptFold {
    counters: FunctionRollup,
    sketch: Vec<u8>,
}

impl KeptFold {
    fn new(rollup: FunctionRollup) -> KeptFold {
        let sketch = rollup.durations.encode();
        KeptFold {
            counters: FunctionRollup {
                durations: Sketch::default(),
                ..rollup
            },
            sketch,
        }
    }
}

/// Migration 4: the day tier starts as the fold of the hour rows already stored.
fn backfill_day_rollups(connection: &Connection) -> rusqlite::Result<()> {
    let mut days: HashMap<(String, i64), RollupFold> = HashMap::new();
    {
        let mut statement =
            connection.prepare(&format!("SELECT {ROLLUP_COLUMNS_V4}, 0 FROM rollups_hour"))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let function: String = row.get(0)?;
            let hour: i64 = row.get(1)?;
            let entry = days
                .entry((function.clone(), (hour * HOUR_MS).div_euclid(DAY_MS)))
                .or_insert_with(|| RollupFold::new(&function));
            fold_row(row, entry)?;
        }
    }
    let mut insert = connection.prepare(&format!(
        "INSERT OR REPLACE INTO rollups_day ({ROLLUP_COLUMNS_V4}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))?;
    for ((function, day), fold) in days {
        let mut values = rollup_params(&function, day, &fold.finish());
        values.truncate(18);
        insert.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}

fn rollup_params(
    function: &str,
    bucket: i64,
    rollup: &FunctionRollup,
) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    let int = |n: u64| Value::Integer(n.min(i64::MAX as u64) as i64);
    let opt_int = |n: Option<u32>| n.map_or(Value::Null, |n| Value::Integer(i64::from(n)));
    vec![
        Value::Text(function.to_owned()),
        Value::Integer(bucket),
        Value::Text(rollup.log_group.clone()),
        int(rollup.invocations),
        int(rollup.error),
        int(rollup.timeout),
        int(rollup.out_of_memory),
        int(rollup.init_error),
        int(rollup.crash),
        int(rollup.cold_starts),
        int(rollup.snapstart_restores),
        int(rollup.incomplete),
        int(rollup.billed_ms),
        Value::Real(rollup.cost_usd),
        opt_int(rollup.max_memory_used_mb),
        opt_int(rollup.memory_size_mb),
        rollup.duration_max_ms.map_or(Value::Null, Value::Real),
        Value::Blob(rollup.durations.encode()),
        int(rollup.memory_at_limit),
    ]
}

/// The coarsest tier whose buckets divide a series step.
fn series_tier(step_ms: i64) -> (&'static str, i64) {
    TIERS
        .into_iter()
        .find(|&(_, width)| step_ms % width == 0)
        .unwrap_or(TIERS[TIERS.len() - 1])
}

/// The bucket ranges, per tier, that cover the minutes `[from_minute, to_minute)` exactly,
/// using the coarsest tier wherever whole buckets fit: `(table, bucket ms, first, end)`.
fn cover(from_minute: i64, to_minute: i64) -> Vec<(&'static str, i64, i64, i64)> {
    fn split(tier: usize, from_ms: i64, to_ms: i64, out: &mut Vec<(&'static str, i64, i64, i64)>) {
        if from_ms >= to_ms {
            return;
        }
        let (table, width) = TIERS[tier];
        if tier == TIERS.len() - 1 {
            out.push((table, width, from_ms / width, to_ms / width));
            return;
        }
        let first = from_ms.div_euclid(width) + i64::from(from_ms.rem_euclid(width) != 0);
        let end = to_ms.div_euclid(width);
        if first < end {
            out.push((table, width, first, end));
            split(tier + 1, from_ms, first * width, out);
            split(tier + 1, end * width, to_ms, out);
        } else {
            split(tier + 1, from_ms, to_ms, out);
        }
    }
    let mut out = Vec::new();
    split(
        0,
        from_minute.saturating_mul(MINUTE_MS),
        to_minute.saturating_mul(MINUTE_MS),
        &mut out,
    );
    out
}

fn upsert_rollups(
    tx: &Transaction<'_>,
    table: &str,
    rollups: HashMap<(String, i64), FunctionRollup>,
    retractions: &HashMap<(String, i64), FunctionRollup>,
) -> rusqlite::Result<()> {
    let mut select = tx.prepare_cached(&format!(
        "SELECT {ROLLUP_COLUMNS} FROM {table} WHERE function = ?1 AND bucket = ?2"
    ))?;
    let mut insert = tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO {table} ({ROLLUP_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
    ))?;
    for ((function, bucket), rollup) in rollups {
        let mut merged = select
            .query_row(params![function, bucket], read_rollup)
            .optional()?
            .map(|(_, existing)| existing)
            .unwrap_or_default();
        merged.merge(&rollup);
        if let Some(retracted) = retractions.get(&(function.clone(), bucket)) {
            merged.retract(retracted);
        }
        insert.execute(params![
            function,
            bucket,
            merged.log_group,
            merged.invocations as i64,
            merged.error as i64,
            merged.timeout as i64,
            merged.out_of_memory as i64,
            merged.init_error as i64,
            merged.crash as i64,
            merged.cold_starts as i64,
            merged.snapstart_restores as i64,
            merged.incomplete as i64,
            merged.billed_ms as i64,
            merged.cost_usd,
            merged.max_memory_used_mb,
            merged.memory_size_mb,
            merged.duration_max_ms,
            merged.durations.encode(),
            merged.memory_at_limit as i64,
        ])?;
    }
    Ok(())
}

const INVOCATION_COLUMNS: &str = "id, invocation_key, revision, function, log_group, log_stream, request_id, start_ms, end_ms, outcome, complete, cold_start, proactive_init, snapstart_restore, duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb, init_duration_ms, restore_duration_ms, status, error_type, version, alias, account, region, xray_trace_id, cost_usd, lines, error_fingerprint, error_group_type, error_message";

fn insert_invocation(
    tx: &Transaction<'_>,
    invocation: &Invocation,
    received_at_ms: i64,
) -> rusqlite::Result<bool> {
    let mut statement = tx.prepare_cached(
        "INSERT OR IGNORE INTO invocations (ts, invocation_key, revision, function, log_group, log_stream, request_id, start_ms, end_ms, outcome, complete, cold_start, proactive_init, snapstart_restore, duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb, init_duration_ms, restore_duration_ms, status, error_type, version, alias, account, region, xray_trace_id, cost_usd, lines, error_fingerprint, error_group_type, error_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
    )?;
    let changed = statement.execute(params![
        invocation_time(invocation, received_at_ms),
        invocation.key,
        invocation.revision,
        invocation.function,
        invocation.log_group,
        invocation.log_stream,
        invocation.request_id,
        invocation.start,
        invocation.end,
        invocation.outcome.as_str(),
        invocation.complete,
        invocation.cold_start,
        invocation.proactive_init,
        invocation.snapstart_restore,
        invocation.duration_ms,
        invocation.billed_duration_ms.map(|v| v as i64),
        invocation.memory_size_mb,
        invocation.max_memory_used_mb,
        invocation.init_duration_ms,
        invocation.restore_duration_ms,
        invocation.status,
        invocation.error_type,
        invocation.version,
        invocation.alias,
        invocation.account,
        invocation.region,
        invocation.xray_trace_id,
        invocation.cost_usd,
        invocation.lines,
        invocation.error.as_ref().map(|e| e.fingerprint.as_str()),
        invocation.error.as_ref().map(|e| e.error_type.as_str()),
        invocation.error.as_ref().map(|e| e.message.as_str()),
    ])?;
    Ok(changed == 1)
}

/// Rollup changes of one batch, per (function, bucket): what to add, what to take back.
#[derive(Default)]
struct RollupChanges {
    minutes: HashMap<(String, i64), FunctionRollup>,
    hours: HashMap<(String, i64), FunctionRollup>,
    days: HashMap<(String, i64), FunctionRollup>,
    minute_retractions: HashMap<(String, i64), FunctionRollup>,
    hour_retractions: HashMap<(String, i64), FunctionRollup>,
    day_retractions: HashMap<(String, i64), FunctionRollup>,
    /// The oldest time a change touches, per function (for the sealed folds).
    oldest: HashMap<String, i64>,
}

impl RollupChanges {
    fn touch(&mut self, function: &str, at: i64) {
        self.oldest
            .entry(function.to_owned())
            .and_modify(|oldest| *oldest = (*oldest).min(at))
            .or_insert(at);
    }

    fn add(&mut self, function: &str, at: i64, rollup: &FunctionRollup) {
        self.touch(function, at);
        for (added, bucket) in [
            (&mut self.minutes, at.div_euclid(MINUTE_MS)),
            (&mut self.hours, at.div_euclid(HOUR_MS)),
            (&mut self.days, at.div_euclid(DAY_MS)),
        ] {
            added
                .entry((function.to_owned(), bucket))
                .or_default()
                .merge(rollup);
        }
    }

    fn retract(&mut self, function: &str, at: i64, rollup: &FunctionRollup) {
        self.touch(function, at);
        for (retracted, bucket) in [
            (&mut self.minute_retractions, at.div_euclid(MINUTE_MS)),
            (&mut self.hour_retractions, at.div_euclid(HOUR_MS)),
            (&mut self.day_retractions, at.div_euclid(DAY_MS)),
        ] {
            retracted
                .entry((function.to_owned(), bucket))
                .or_default()
                .merge(rollup);
        }
    }

    /// Writes the changes; returns the oldest time they touch per function.
    fn write(self, tx: &Transaction<'_>) -> rusqlite::Result<HashMap<String, i64>> {
        upsert_rollups(tx, "rollups_minute", self.minutes, &self.minute_retractions)?;
        upsert_rollups(tx, "rollups_hour", self.hours, &self.hour_retractions)?;
        upsert_rollups(tx, "rollups_day", self.days, &self.day_retractions)?;
        Ok(self.oldest)
    }
}

/// Replaces a stored invocation by a later version of it (same key) and moves its rollups
/// from the old version to the new one, in the buckets the row was counted in. A version
/// already applied (a replay) changes nothing.
fn amend_stored(
    tx: &Transaction<'_>,
    previous: &Invocation,
    current: &Invocation,
    changes: &mut RollupChanges,
) -> rusqlite::Result<()> {
    if !update_invocation(tx, current)? {
        return Ok(());
    }
    let counted_at: Option<i64> = tx
        .prepare_cached("SELECT ts FROM invocations WHERE invocation_key = ?1")?
        .query_row(params![current.key], |row| row.get(0))
        .optional()?;
    if let Some(at) = counted_at {
        let mut added = rollup_of(current);
        // A sketch cannot forget the first duration: add one only where there was none.
        if previous.duration_ms.is_some() {
            added.durations = Sketch::default();
        }
        changes.add(&previous.function, at, &added);
        changes.retract(&previous.function, at, &rollup_of(previous));
    }
    Ok(())
}

/// Applies one poll checkpoint change (see [`PollCheckpoint`]).
fn write_checkpoint(
    tx: &Transaction<'_>,
    checkpoint: &PollCheckpoint,
    at_ms: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO poll_checkpoints (log_group, newest_ms, resume_from_ms, updated_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        checkpoint.log_group,
        checkpoint.newest_ms,
        checkpoint.resume_from_ms,
        at_ms
    ])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO poll_seen (log_group, event_id, ts) VALUES (?1, ?2, ?3)",
    )?;
    for event in &checkpoint.seen {
        insert.execute(params![checkpoint.log_group, event.id, event.timestamp_ms])?;
    }
    tx.prepare_cached("DELETE FROM poll_seen WHERE log_group = ?1 AND ts < ?2")?
        .execute(params![checkpoint.log_group, checkpoint.resume_from_ms])?;
    Ok(())
}

/// What a REPORT-only invocation (the engine had forgotten its START: a restart, or many
/// invocations since) means for the invocations already stored.
enum LateReport {
    /// It completes this stored invocation of its request and stream, which has no REPORT
    /// yet: closed by the idle timer, or by a timeout line.
    Completes(Box<Invocation>),
    /// That REPORT was already applied (a re-delivery): nothing changes.
    Repeated,
    /// Nothing stored is its invocation.
    New,
}

/// A retry is never taken for the invocation a REPORT completes: a retry has its own START.
fn late_report(tx: &Transaction<'_>, invocation: &Invocation) -> rusqlite::Result<LateReport> {
    if !invocation.complete || invocation.start.is_some() {
        return Ok(LateReport::New);
    }
    let without_report = tx
        .prepare_cached(&format!(
            "SELECT {INVOCATION_COLUMNS} FROM invocations WHERE request_id = ?1 AND log_stream = ?2 AND log_group = ?3 AND (complete = 0 OR billed_duration_ms IS NULL) ORDER BY id DESC LIMIT 1"
        ))?
        .query_row(
            params![invocation.request_id, invocation.log_stream, invocation.log_group],
            read_invocation,
        )
        .optional()?;
    if let Some(record) = without_report {
        return Ok(LateReport::Completes(Box::new(record.invocation)));
    }
    let repeated = tx
        .prepare_cached(
            "SELECT 1 FROM invocations WHERE request_id = ?1 AND log_stream = ?2 AND log_group = ?3 AND duration_ms IS ?4 AND billed_duration_ms IS ?5 LIMIT 1",
        )?
        .query_row(
            params![
                invocation.request_id,
                invocation.log_stream,
                invocation.log_group,
                invocation.duration_ms,
                invocation.billed_duration_ms.map(|v| v as i64)
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    Ok(if repeated {
        LateReport::Repeated
    } else {
        LateReport::New
    })
}

/// What the stored incomplete `previous` becomes with its late REPORT-only `report`.
fn completed_by(previous: &Invocation, report: &Invocation) -> Invocation {
    let mut current = report.clone();
    current.key.clone_from(&previous.key);
    current.revision = previous.revision + 1;
    current.start = previous.start;
    current.lines += previous.lines;
    current.cold_start |= previous.cold_start;
    if previous.outcome.severity() > current.outcome.severity() {
        current.outcome = previous.outcome;
        current.error_type = current.error_type.or_else(|| previous.error_type.clone());
    }
    current.error = current.error.or_else(|| previous.error.clone());
    current.version = current.version.or_else(|| previous.version.clone());
    current.xray_trace_id = current
        .xray_trace_id
        .or_else(|| previous.xray_trace_id.clone());
    current
}

/// A row selected with [`INVOCATION_COLUMNS`].
fn read_invocation(row: &Row<'_>) -> rusqlite::Result<InvocationRecord> {
    let outcome: String = row.get(9)?;
    let fingerprint: Option<String> = row.get(29)?;
    let error = match fingerprint {
        Some(fingerprint) => Some(ErrorRef {
            fingerprint,
            error_type: row.get::<_, Option<String>>(30)?.unwrap_or_default(),
            message: row.get::<_, Option<String>>(31)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(InvocationRecord {
        id: row.get(0)?,
        invocation: Invocation {
            key: row.get(1)?,
            revision: row.get(2)?,
            function: row.get(3)?,
            log_group: row.get(4)?,
            log_stream: row.get(5)?,
            request_id: row.get(6)?,
            start: row.get(7)?,
            end: row.get(8)?,
            outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Success),
            complete: row.get(10)?,
            cold_start: row.get(11)?,
            proactive_init: row.get(12)?,
            snapstart_restore: row.get(13)?,
            duration_ms: row.get(14)?,
            billed_duration_ms: row.get::<_, Option<i64>>(15)?.map(|v| v as u64),
            memory_size_mb: row.get(16)?,
            max_memory_used_mb: row.get(17)?,
            init_duration_ms: row.get(18)?,
            restore_duration_ms: row.get(19)?,
            status: row.get(20)?,
            error_type: row.get(21)?,
            version: row.get(22)?,
            alias: row.get(23)?,
            account: row.get(24)?,
            region: row.get(25)?,
            xray_trace_id: row.get(26)?,
            cost_usd: row.get(27)?,
            lines: row.get(28)?,
            error,
        },
    })
}

/// Applies an amendment once: a replayed amendment (same or older revision) changes
/// nothing and returns false.
fn update_invocation(tx: &Transaction<'_>, invocation: &Invocation) -> rusqlite::Result<bool> {
    let changed = tx.prepare_cached(
        "UPDATE invocations SET revision = ?2, outcome = ?3, complete = ?4, status = ?5, error_type = ?6, xray_trace_id = ?7, error_fingerprint = ?8, error_group_type = ?9, error_message = ?10, duration_ms = ?11, billed_duration_ms = ?12, memory_size_mb = ?13, max_memory_used_mb = ?14, cost_usd = ?15, end_ms = ?16, lines = ?17, cold_start = ?18, init_duration_ms = ?19, version = ?20
         WHERE invocation_key = ?1 AND revision < ?2",
    )?
    .execute(params![
        invocation.key,
        invocation.revision,
        invocation.outcome.as_str(),
        invocation.complete,
        invocation.status,
        invocation.error_type,
        invocation.xray_trace_id,
        invocation.error.as_ref().map(|e| e.fingerprint.as_str()),
        invocation.error.as_ref().map(|e| e.error_type.as_str()),
        invocation.error.as_ref().map(|e| e.message.as_str()),
        invocation.duration_ms,
        invocation.billed_duration_ms.map(|v| v as i64),
        invocation.memory_size_mb,
        invocation.max_memory_used_mb,
        invocation.cost_usd,
        invocation.end,
        invocation.lines,
        invocation.cold_start,
        invocation.init_duration_ms,
        invocation.version,
    ])?;
    Ok(changed == 1)
}

/// Inserts an occurrence and folds it into its group. Returns (new group, reopened group).
fn insert_occurrence(
    tx: &Transaction<'_>,
    error: &ErrorOccurrence,
    received_at_ms: i64,
    events: &mut EventRollups,
) -> Result<(bool, bool), StoreError> {
    let ts = error.timestamp.map(|t| t.to_string()).unwrap_or_default();
    let key = digest(&[
        &error.fingerprint,
        &error.function,
        error.request_id.as_deref().unwrap_or(""),
        &ts,
        &error.message,
        &error.stack.join("\n"),
    ]);
    let stack = serde_json::to_string(&error.stack)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO error_occurrences (occurrence_key, fingerprint, function, request_id, ts, error_type, message, stack, unhandled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![key, error.fingerprint, error.function, error.request_id, error.timestamp, error.error_type, error.message, stack, error.unhandled])?
        == 1;
    if !inserted {
        return Ok((false, false));
    }
    events.error(error);
    let existing: Option<(String, Option<i64>)> = tx
        .prepare_cached("SELECT status, last_seen FROM error_groups WHERE fingerprint = ?1")?
        .query_row(params![error.fingerprint], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO error_groups (fingerprint, function, error_type, message, masked_message, count, unhandled, first_seen, last_seen, frames, sample_stack, status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?7, ?8, ?9, 'open', ?10, ?10)",
            )?
            .execute(params![
                error.fingerprint,
                error.function,
                error.error_type,
                error.message,
                error.masked_message,
                i64::from(error.unhandled),
                error.timestamp,
                serde_json::to_string(&error.frames)?,
                stack,
                received_at_ms,
            ])?;
            Ok((true, false))
        }
        Some((status, last_seen)) => {
            // A resolved group reopens when an occurrence newer than anything it had
            // before arrives (older backfilled occurrences do not count as a regression).
            let regressed = status == "resolved"
                && matches!((error.timestamp, last_seen), (Some(t), Some(last)) if t > last);
            tx.prepare_cached(
                "UPDATE error_groups SET count = count + 1, unhandled = unhandled + ?2,
                    first_seen = CASE WHEN first_seen IS NULL OR ?3 < first_seen THEN ?3 ELSE first_seen END,
                    last_seen = CASE WHEN last_seen IS NULL OR ?3 > last_seen THEN ?3 ELSE last_seen END,
                    sample_stack = CASE WHEN sample_stack = '[]' THEN ?4 ELSE sample_stack END,
                    status = CASE WHEN ?5 THEN 'open' ELSE status END,
                    resolved_at = CASE WHEN ?5 THEN NULL ELSE resolved_at END,
                    regressions = regressions + ?5,
                    updated_at = ?6
                 WHERE fingerprint = ?1",
            )?
            .execute(params![error.fingerprint, i64::from(error.unhandled), error.timestamp, stack, regressed, received_at_ms])?;
            Ok((false, regressed))
        }
    }
}

fn insert_security(
    tx: &Transaction<'_>,
    event: &SecurityEvent,
    origin_line: Option<i64>,
    received_at_ms: i64,
    events: &mut EventRollups,
) -> rusqlite::Result<bool> {
    let origin = origin_line.map(|l| l.to_string()).unwrap_or_default();
    let ts = event.timestamp.map(|t| t.to_string()).unwrap_or_default();
    let key = digest(&[
        event.kind,
        event.risk.slug(),
        &event.function,
        event.request_id.as_deref().unwrap_or(""),
        &ts,
        &event.detail,
        &origin,
    ]);
    let inserted = tx
        .prepare_cached("INSERT OR IGNORE INTO security_events (event_key, risk, kind, function, request_id, ts, detail, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
        .execute(params![key, event.risk.slug(), event.kind, event.function, event.request_id, event.timestamp, event.detail, received_at_ms])?
        == 1;
    if inserted {
        events.security(event, tx.last_insert_rowid());
    }
    Ok(inserted)
}

/// Bucket widths of the event rollups (migration 9), coarsest first.
const EVENT_TIERS: [i64; 2] = [DAY_MS, HOUR_MS];

/// (count, first seen, last seen, newest event id) of security events.
#[derive(Clone, Copy)]
struct SecurityTally {
    count: u64,
    first: i64,
    last: i64,
    latest: i64,
}

impl SecurityTally {
    fn merge(&mut self, other: SecurityTally) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.latest = self.latest.max(other.latest);
    }
}

/// (width, bucket, function, kind, risk)
type SecurityBucketKey = (i64, i64, String, String, String);

/// Security events and error occurrences one batch stores, per rollup bucket: written in
/// the batch's transaction, so the rollups always agree with the raw rows.
#[derive(Default)]
struct EventRollups {
    security: HashMap<SecurityBucketKey, SecurityTally>,
    /// (width, bucket, fingerprint) → occurrences
    errors: HashMap<(i64, i64, String), u64>,
}

impl EventRollups {
    fn security(&mut self, event: &SecurityEvent, id: i64) {
        let Some(ts) = event.timestamp else {
            return;
        };
        let tally = SecurityTally {
            count: 1,
            first: ts,
            last: ts,
            latest: id,
        };
        for width in EVENT_TIERS {
            let key = (
                width,
                ts.div_euclid(width),
                event.function.clone(),
                event.kind.to_owned(),
                event.risk.slug().to_owned(),
            );
            self.security
                .entry(key)
                .and_modify(|kept| kept.merge(tally))
                .or_insert(tally);
        }
    }

    fn error(&mut self, error: &ErrorOccurrence) {
        let Some(ts) = error.timestamp else {
            return;
        };
        for width in EVENT_TIERS {
            *self
                .errors
                .entry((width, ts.div_euclid(width), error.fingerprint.clone()))
                .or_insert(0) += 1;
        }
    }

    fn write(self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let mut security = tx.prepare_cached(
            "INSERT INTO security_rollups (width, bucket, function, kind, risk, count, first_ts, last_ts, latest_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (width, bucket, function, kind, risk) DO UPDATE SET count = count + excluded.count,
                first_ts = MIN(first_ts, excluded.first_ts), last_ts = MAX(last_ts, excluded.last_ts),
                latest_id = MAX(latest_id, excluded.latest_id)",
        )?;
        for ((width, bucket, function, kind, risk), tally) in self.security {
            security.execute(params![
                width,
                bucket,
                function,
                kind,
                risk,
                tally.count as i64,
                tally.first,
                tally.last,
                tally.latest
            ])?;
        }
        let mut errors = tx.prepare_cached(
            "INSERT INTO error_rollups (width, bucket, fingerprint, count) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (width, bucket, fingerprint) DO UPDATE SET count = count + excluded.count",
        )?;
        for ((width, bucket, fingerprint), count) in self.errors {
            errors.execute(params![width, bucket, fingerprint, count as i64])?;
        }
        Ok(())
    }
}

/// A part of a window, as the event rollups cover it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventPart {
    /// Buckets `[first, end)` of the rollups of this width.
    Rolled { width: i64, first: i64, end: i64 },
    /// A ragged end shorter than an hour, read from the raw rows: `[from_ms, to_ms)`.
    Raw { from_ms: i64, to_ms: i64 },
}

/// The parts that cover `[from_ms, to_ms)` exactly: whole days, then whole hours at the
/// edges, then raw rows for what is left (under an hour at each end).
fn event_cover(from_ms: i64, to_ms: i64) -> Vec<EventPart> {
    fn split(tier: usize, from_ms: i64, to_ms: i64, out: &mut Vec<EventPart>) {
        if from_ms >= to_ms {
            return;
        }
        let Some(&width) = EVENT_TIERS.get(tier) else {
            out.push(EventPart::Raw { from_ms, to_ms });
            return;
        };
        let first = from_ms.div_euclid(width) + i64::from(from_ms.rem_euclid(width) != 0);
        let end = to_ms.div_euclid(width);
        if first < end {
            out.push(EventPart::Rolled { width, first, end });
            split(tier + 1, from_ms, first * width, out);
            split(tier + 1, end * width, to_ms, out);
        } else {
            split(tier + 1, from_ms, to_ms, out);
        }
    }
    let mut out = Vec::new();
    split(0, from_ms, to_ms, &mut out);
    out
}

/// The `WHERE` clauses of a security event query.
fn security_filter(
    query: &SecurityQuery,
    sql: &mut String,
    values: &mut Vec<rusqlite::types::Value>,
) {
    if let Some(function) = &query.function {
        bind(sql, values, " AND function = ?", function.clone().into());
    }
    if let Some(risk) = &query.risk {
        bind(sql, values, " AND risk = ?", risk.clone().into());
    }
    if let Some(window) = query.window {
        bind(sql, values, " AND ts >= ?", window.from_ms.into());
        bind(sql, values, " AND ts < ?", window.to_ms.into());
    }
    if let Some(after) = query.received_after_ms {
        bind(sql, values, " AND received_at > ?", after.into());
    }
}

fn security_record(row: &Row<'_>) -> rusqlite::Result<SecurityEventRecord> {
    Ok(SecurityEventRecord {
        id: row.get(0)?,
        risk: row.get(1)?,
        kind: row.get(2)?,
        function: row.get(3)?,
        request_id: row.get(4)?,
        timestamp: time(row.get(5)?),
        detail: row.get(6)?,
    })
}

/// A row of `id, request_id, ts, error_type, message, stack, unhandled`.
fn occurrence_record(row: &Row<'_>) -> rusqlite::Result<OccurrenceRecord> {
    let stack: String = row.get(5)?;
    Ok(OccurrenceRecord {
        id: row.get(0)?,
        request_id: row.get(1)?,
        timestamp: time(row.get(2)?),
        error_type: row.get(3)?,
        message: row.get(4)?,
        stack: serde_json::from_str(&stack).unwrap_or_default(),
        unhandled: row.get(6)?,
    })
}

fn group_record(row: &Row<'_>) -> rusqlite::Result<ErrorGroupRecord> {
    let frames: String = row.get(9)?;
    let stack: String = row.get(10)?;
    let status: String = row.get(11)?;
    Ok(ErrorGroupRecord {
        fingerprint: row.get(0)?,
        function: row.get(1)?,
        error_type: row.get(2)?,
        message: row.get(3)?,
        masked_message: row.get(4)?,
        count: row.get::<_, i64>(5)? as u64,
        unhandled: row.get::<_, i64>(6)? as u64,
        first_seen: time(row.get(7)?),
        last_seen: time(row.get(8)?),
        frames: serde_json::from_str(&frames).unwrap_or_default(),
        sample_stack: serde_json::from_str(&stack).unwrap_or_default(),
        status: GroupStatus::parse(&status).unwrap_or(GroupStatus::Open),
        resolved_at: time(row.get(12)?),
        regressions: row.get::<_, i64>(13)? as u64,
        in_window: None,
    })
}

const GROUP_COLUMNS: &str = "fingerprint, function, error_type, message, masked_message, count, unhandled, first_seen, last_seen, frames, sample_stack, status, resolved_at, regressions";

fn alert_rule_record(row: &Row<'_>) -> rusqlite::Result<(AlertRuleRow, String)> {
    Ok((
        AlertRuleRow {
            id: row.get(0)?,
            state: row.get(2)?,
            last_value: row.get(3)?,
            last_notified_at_ms: row.get(4)?,
            cursor_at_ms: row.get(5)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
        },
        row.get(1)?,
    ))
}

struct AlertRuleRow {
    id: i64,
    state: String,
    last_value: Option<f64>,
    last_notified_at_ms: Option<i64>,
    cursor_at_ms: i64,
    created_at: i64,
    updated_at: i64,
}

fn build_alert_rule(row: AlertRuleRow, spec: &str) -> StoreResult<AlertRule> {
    Ok(AlertRule {
        id: row.id,
        spec: serde_json::from_str(spec)?,
        state: AlertState::parse(&row.state).unwrap_or(AlertState::Ok),
        last_value: row.last_value,
        last_notified_at_ms: row.last_notified_at_ms,
        cursor_at_ms: row.cursor_at_ms,
        created_at: format_millis(row.created_at),
        updated_at: format_millis(row.updated_at),
    })
}

const ALERT_COLUMNS: &str =
    "id, spec, state, last_value, last_notified_at, cursor_at, created_at, updated_at";

impl SqliteStore {
    /// Every function with rollups: a skip-scan of the hourly table's key (one index seek
    /// per function, not a scan of every row).
    fn rollup_functions(connection: &Connection) -> rusqlite::Result<Vec<String>> {
        connection
            .prepare_cached(
                "WITH RECURSIVE f(name) AS (SELECT MIN(function) FROM rollups_hour
                   UNION ALL SELECT (SELECT MIN(function) FROM rollups_hour WHERE function > name) FROM f WHERE name IS NOT NULL)
                 SELECT name FROM f WHERE name IS NOT NULL",
            )?
            .query_map([], |row| row.get(0))?
            .collect()
    }

    /// Folds a window's rollups per function, reading the coarsest exact tier for each part
    /// of the window (see [`cover`]): at most about 30 day rows, 46 hour rows and 118 minute
    /// rows per function whatever the window's length. Minutes are the finest grain: a
    /// window's ragged ends count whole minutes.
    fn fold_window(
        &self,
        connection: &Connection,
        window: Window,
        function: Option<&str>,
    ) -> rusqlite::Result<BTreeMap<String, FunctionRollup>> {
        let from_minute = window.from_ms.div_euclid(MINUTE_MS);
        let to_minute =
            window.to_ms.div_euclid(MINUTE_MS) + i64::from(window.to_ms.rem_euclid(MINUTE_MS) != 0);
        // Each range splits at the sealed horizon: the part before it may come from (and
        // goes to) the kept folds, the part after is read every time. The generation is
        // read before the snapshot starts, so a fold is never kept under a newer one than
        // the data it was read from.
        let generations = self.sealed.generations();
        let horizon = sealed_horizon(now_ms());
        let mut sealed = Vec::new();
        let mut live = Vec::new();
        for (table, width, first, end) in cover(from_minute, to_minute) {
            let cut = horizon.div_euclid(width).clamp(first, end);
            if first < cut {
                sealed.push((table, first, cut));
            }
            if cut < end {
                live.push((table, cut, end));
            }
        }
        // One read transaction for the whole fold: a consistent snapshot across the tiers,
        // and one lock instead of one per statement.
        let _snapshot = connection.unchecked_transaction()?;
        let functions = match function {
            Some(function) => vec![function.to_owned()],
            None => Self::rollup_functions(connection)?,
        };
        let read = |fold: &mut RollupFold,
                    function: &str,
                    table: &str,
                    first: i64,
                    end: i64|
         -> rusqlite::Result<()> {
            let mut statement = connection.prepare_cached(&format!("SELECT {ROLLUP_COLUMNS} FROM {table} WHERE function = ?1 AND bucket >= ?2 AND bucket < ?3"))?;
            let mut rows = statement.query(params![function, first, end])?;
            while let Some(row) = rows.next()? {
                fold_row(row, fold)?;
            }
            Ok(())
        };
        let mut out = BTreeMap::new();
        for function in functions {
            let mut fold = RollupFold::new(&function);
            let generation = generations.of(&function);
            for &(table, first, end) in &sealed {
                let key = (function.clone(), table, first, end);
                let kept = lock(&self.sealed.folds)
                    .get(&key)
                    .filter(|(g, _)| *g == generation)
                    .map(|(_, kept)| kept.clone());
                let kept = match kept {
                    Some(kept) => kept,
                    None => {
                        let mut part = RollupFold::new(&function);
                        read(&mut part, &function, table, first, end)?;
                        let kept = std::sync::Arc::new(KeptFold::new(part.finish()));
                        let mut folds = lock(&self.sealed.folds);
                        if folds.len() >= MAX_SEALED_FOLDS {
                            folds.clear();
                        }
                        folds.insert(key, (generation, kept.clone()));
                        kept
                    }
                };
                fold.add(&kept);
            }
            for &(table, first, end) in &live {
                read(&mut fold, &function, table, first, end)?;
            }
            if fold.rollup.invocations > 0 {
                out.insert(function, fold.finish());
            }
        }
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn write_batch(&self, batch: &WriteBatch) -> StoreResult<WriteSummary> {
        let mut connection = lock(&self.writer);
        let tx = connection.transaction()?;
        let mut summary = WriteSummary {
            lines: batch.lines.len() as u64,
            ..WriteSummary::default()
        };
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO log_lines (id, ts, received_at, log_group, log_stream, function, request_id, message, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut index =
                tx.prepare_cached("INSERT INTO log_lines_fts (rowid, message) VALUES (?1, ?2)")?;
            for line in &batch.lines {
                let inserted = insert.execute(params![
                    line.id,
                    line.timestamp_ms,
                    batch.received_at_ms,
                    line.log_group,
                    line.log_stream,
                    line.function,
                    line.request_id,
                    line.message,
                    line.event_id
                ])? == 1;
                if inserted && searchable(&line.message) {
                    let text = indexed_text(&line.message, line.request_id.as_deref());
                    index.execute(params![line.id, text.as_ref()])?;
                }
            }
        }
        let mut changes = RollupChanges::default();
        let mut events = EventRollups::default();
        let mut metric_minutes: HashMap<MetricMinuteKey, MetricMinute> = HashMap::new();
        // A line's metric points are numbered in the order its push emitted them.
        let mut metric_seq: HashMap<Option<i64>, i64> = HashMap::new();
        for BatchItem { origin_line, item } in &batch.items {
            match item {
                Emitted::Invocation(invocation) => match late_report(&tx, invocation)? {
                    LateReport::Completes(previous) => {
                        let current = completed_by(&previous, invocation);
                        amend_stored(&tx, &previous, &current, &mut changes)?;
                    }
                    LateReport::Repeated => {}
                    LateReport::New => {
                        if insert_invocation(&tx, invocation, batch.received_at_ms)? {
                            summary.new_invocations += 1;
                            let at = invocation_time(invocation, batch.received_at_ms);
                            changes.add(&invocation.function, at, &rollup_of(invocation));
                        }
                    }
                },
                Emitted::Error(error) => {
                    let (new, reopened) =
                        insert_occurrence(&tx, error, batch.received_at_ms, &mut events)?;
                    if new {
                        summary.new_error_groups.push(error.fingerprint.clone());
                    }
                    if reopened {
                        summary
                            .reopened_error_groups
                            .push(error.fingerprint.clone());
                    }
                }
                Emitted::Security(event) => {
                    if insert_security(&tx, event, *origin_line, batch.received_at_ms, &mut events)?
                    {
                        summary.new_security_events += 1;
                    }
                }
                // A late line changed an invocation already stored.
                Emitted::Amended(amendment) => {
                    amend_stored(&tx, &amendment.previous, &amendment.current, &mut changes)?
                }
                Emitted::Metric(point) => {
                    let seq = metric_seq.entry(*origin_line).or_insert(0);
                    let place = origin_line.map(|line| (line, *seq));
                    *seq += 1;
                    if first_time_metric(&tx, place, batch.received_at_ms)? {
                        fold_metric(&mut metric_minutes, point, batch.received_at_ms);
                    }
                }
            }
        }
        let oldest_touched = changes.write(&tx)?;
        events.write(&tx)?;
        upsert_metric_minutes(&tx, metric_minutes)?;
        for mark in &batch.marks {
            match mark {
                StreamMark::Open {
                    log_group,
                    log_stream,
                    replay_from,
                } => {
                    tx.prepare_cached("INSERT OR REPLACE INTO open_streams (log_group, log_stream, replay_from) VALUES (?1, ?2, ?3)")?
                        .execute(params![log_group, log_stream, replay_from])?;
                }
                StreamMark::Closed {
                    log_group,
                    log_stream,
                } => {
                    tx.prepare_cached(
                        "DELETE FROM open_streams WHERE log_group = ?1 AND log_stream = ?2",
                    )?
                    .execute(params![log_group, log_stream])?;
                }
            }
        }
        for key in &batch.request_keys {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO ingest_requests (request_key, received_at) VALUES (?1, ?2)",
            )?
            .execute(params![key, batch.received_at_ms])?;
        }
        for checkpoint in &batch.checkpoints {
            write_checkpoint(&tx, checkpoint, batch.received_at_ms)?;
        }
        tx.commit()?;
        self.sealed
            .retire(&oldest_touched, sealed_horizon(now_ms()));
        Ok(summary)
    }

    fn request_seen(&self, key: &str) -> StoreResult<bool> {
        let connection = self.reader()?;
        let seen = connection
            .prepare_cached("SELECT 1 FROM ingest_requests WHERE request_key = ?1")?
            .query_row(params![key], |_| Ok(()))
            .optional()?
            .is_some();
        Ok(seen)
    }

    fn next_line_id(&self) -> StoreResult<i64> {
        let connection = lock(&self.writer);
        let max: Option<i64> =
            connection.query_row("SELECT MAX(id) FROM log_lines", [], |row| row.get(0))?;
        Ok(max.unwrap_or(0) + 1)
    }

    fn replay_lines(&self, visit: &mut dyn FnMut(StoredLine)) -> StoreResult<()> {
        let connection = lock(&self.writer);
        let open: HashMap<(String, String), i64> = connection
            .prepare("SELECT log_group, log_stream, replay_from FROM open_streams")?
            .query_map([], |row| Ok(((row.get(0)?, row.get(1)?), row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(&start) = open.values().min() else {
            return Ok(());
        };
        let mut statement = connection.prepare("SELECT id, ts, log_group, log_stream, function, request_id, message, event_id FROM log_lines WHERE id >= ?1 ORDER BY id")?;
        let mut rows = statement.query(params![start])?;
        while let Some(row) = rows.next()? {
            let line = StoredLine {
                id: row.get(0)?,
                timestamp_ms: row.get(1)?,
                log_group: row.get(2)?,
                log_stream: row.get(3)?,
                function: row.get(4)?,
                request_id: row.get(5)?,
                message: row.get(6)?,
                event_id: row.get(7)?,
            };
            let needed = open
                .get(&(line.log_group.clone(), line.log_stream.clone()))
                .is_some_and(|&from| line.id >= from);
            if needed {
                visit(line);
            }
        }
        Ok(())
    }

    fn recent_event_ids(
        &self,
        lines: usize,
        visit: &mut dyn FnMut(&str, &str, &str),
    ) -> StoreResult<()> {
        let connection = lock(&self.writer);
        let mut statement = connection.prepare(
            "SELECT log_group, log_stream, event_id FROM log_lines
             WHERE id > (SELECT COALESCE(MAX(id), 0) FROM log_lines) - ?1 AND event_id IS NOT NULL
             ORDER BY id",
        )?;
        let mut rows = statement.query(params![i64::try_from(lines).unwrap_or(i64::MAX)])?;
        while let Some(row) = rows.next()? {
            let (group, stream, id): (String, String, String) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            visit(&group, &stream, &id);
        }
        Ok(())
    }

    fn poll_checkpoints(&self) -> StoreResult<Vec<PollCheckpoint>> {
        let connection = self.reader()?;
        let mut checkpoints: Vec<PollCheckpoint> = connection
            .prepare("SELECT log_group, newest_ms, resume_from_ms FROM poll_checkpoints ORDER BY log_group")?
            .query_map([], |row| {
                Ok(PollCheckpoint {
                    log_group: row.get(0)?,
                    newest_ms: row.get(1)?,
                    resume_from_ms: row.get(2)?,
                    seen: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut seen = connection.prepare(
            "SELECT event_id, ts FROM poll_seen WHERE log_group = ?1 ORDER BY ts, event_id",
        )?;
        for checkpoint in &mut checkpoints {
            checkpoint.seen = seen
                .query_map(params![checkpoint.log_group], |row| {
                    Ok(SeenEvent {
                        id: row.get(0)?,
                        timestamp_ms: row.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(checkpoints)
    }

    fn rollups(&self, window: Window) -> StoreResult<Vec<FunctionRollup>> {
        let connection = self.reader()?;
        Ok(self
            .fold_window(&connection, window, None)?
            .into_values()
            .collect())
    }

    fn series(
        &self,
        function: &str,
        window: Window,
        step_ms: i64,
    ) -> StoreResult<Vec<SeriesBucket>> {
        // The API bounds windows and steps; this keeps any other caller from asking for an
        // unbounded number of buckets.
        let buckets = window
            .to_ms
            .checked_sub(window.from_ms)
            .filter(|span| step_ms > 0 && *span >= 0)
            .map(|span| span / step_ms);
        if buckets.is_none_or(|n| n > MAX_SERIES_BUCKETS) {
            return Err(StoreError::Backend(format!(
                "a series of more than {MAX_SERIES_BUCKETS} buckets"
            )));
        }
        let connection = self.reader()?;
        let (table, width) = series_tier(step_ms);
        let from = window.from_ms.div_euclid(width);
        let to = window.to_ms.div_euclid(width) + i64::from(window.to_ms.rem_euclid(width) != 0);
        let origin = window.from_ms.div_euclid(step_ms) * step_ms;
        let mut buckets: BTreeMap<i64, RollupFold> = BTreeMap::new();
        let mut start = origin;
        while start < window.to_ms {
            buckets.insert(start, RollupFold::new(function));
            start += step_ms;
        }
        let mut statement = connection.prepare_cached(&format!("SELECT {ROLLUP_COLUMNS} FROM {table} WHERE function = ?1 AND bucket >= ?2 AND bucket < ?3"))?;
        let mut rows = statement.query(params![function, from, to])?;
        while let Some(row) = rows.next()? {
            let at = row.get::<_, i64>(1)? * width;
            if let Some(entry) = buckets.get_mut(&(at.div_euclid(step_ms) * step_ms)) {
                fold_row(row, entry)?;
            }
        }
        Ok(buckets
            .into_iter()
            .map(|(start_ms, fold)| SeriesBucket {
                start_ms,
                rollup: fold.finish(),
            })
            .collect())
    }

    fn custom_metrics(
        &self,
        function: &str,
        window: Window,
        step_ms: i64,
    ) -> StoreResult<(Vec<CustomMetric>, bool)> {
        let connection = self.reader()?;
        custom_metrics::custom_metrics(&connection, function, window, step_ms)
    }

    fn sparklines(&self, window: Window, step_ms: i64) -> StoreResult<Vec<Sparkline>> {
        let connection = self.reader()?;
        let (table, width) = series_tier(step_ms);
        let from = window.from_ms.div_euclid(width);
        let to = window.to_ms.div_euclid(width) + i64::from(window.to_ms.rem_euclid(width) != 0);
        let origin = window.from_ms.div_euclid(step_ms) * step_ms;
        let points = usize::try_from((window.to_ms - origin + step_ms - 1) / step_ms).unwrap_or(0);
        // As in `fold_window`: rows before the sealed horizon are kept between requests.
        let generations = self.sealed.generations();
        let cut = sealed_horizon(now_ms()).div_euclid(width).clamp(from, to);
        let mut out = Vec::new();
        let _snapshot = connection.unchecked_transaction()?;
        // Counts only (no sketches): a few integers per row.
        let mut statement = connection.prepare_cached(&format!("SELECT bucket, invocations, error + timeout + out_of_memory + init_error + crash FROM {table} WHERE function = ?1 AND bucket >= ?2 AND bucket < ?3"))?;
        let mut read =
            |function: &str, first: i64, end: i64| -> rusqlite::Result<Vec<BucketCounts>> {
                let mut rows = statement.query(params![function, first, end])?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?.max(0) as u64,
                        row.get::<_, i64>(2)?.max(0) as u64,
                    ));
                }
                Ok(out)
            };
        for function in Self::rollup_functions(&connection)? {
            let generation = generations.of(&function);
            let key = (function.clone(), table, from, cut);
            let kept = lock(&self.sealed.counts)
                .get(&key)
                .filter(|(g, _)| *g == generation)
                .map(|(_, rows)| rows.clone());
            let sealed_rows = match kept {
                Some(rows) => rows,
                None => {
                    let rows: std::sync::Arc<[BucketCounts]> = read(&function, from, cut)?.into();
                    let mut counts = lock(&self.sealed.counts);
                    if counts.len() >= MAX_SEALED_FOLDS {
                        counts.clear();
                    }
                    counts.insert(key, (generation, rows.clone()));
                    rows
                }
            };
            let live_rows = read(&function, cut, to)?;
            let mut line = Sparkline {
                function,
                invocations: vec![0; points],
                failures: vec![0; points],
            };
            for &(bucket, invocations, failures) in sealed_rows.iter().chain(&live_rows) {
                let Ok(index) = usize::try_from((bucket * width - origin).div_euclid(step_ms))
                else {
                    continue;
                };
                if index < points {
                    line.invocations[index] += invocations;
                    line.failures[index] += failures;
                }
            }
            out.push(line);
        }
        Ok(out)
    }

    fn search_invocations(&self, query: &InvocationQuery) -> StoreResult<Vec<InvocationRecord>> {
        let connection = self.reader()?;
        let mut query = query.clone();
        if let (None, Some(text)) = (&query.request_id, &query.text) {
            (query.request_id, query.text) = split_request_id(text);
        }
        let query = &query;
        let mut sql = format!("SELECT {INVOCATION_COLUMNS} FROM invocations WHERE 1 = 1");
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(function) = &query.function {
            bind(
                &mut sql,
                &mut values,
                " AND function = ?",
                function.clone().into(),
            );
        }
        if let Some(outcome) = &query.outcome {
            if outcome == "failure" {
                sql.push_str(" AND outcome <> 'success'");
            } else {
                bind(
                    &mut sql,
                    &mut values,
                    " AND outcome = ?",
                    outcome.clone().into(),
                );
            }
        }
        if let Some(request_id) = &query.request_id {
            bind(
                &mut sql,
                &mut values,
                " AND request_id = ?",
                request_id.clone().into(),
            );
        }
        if let Some(cold) = query.cold_start {
            bind(
                &mut sql,
                &mut values,
                " AND cold_start = ?",
                i64::from(cold).into(),
            );
        }
        if let Some(from) = query.from_ms {
            bind(&mut sql, &mut values, " AND ts >= ?", from.into());
        }
        if let Some(to) = query.to_ms {
            bind(&mut sql, &mut values, " AND ts < ?", to.into());
        }
        if let Some(text) = &query.text {
            let Some(matching) = fts_query(text) else {
                return Ok(Vec::new());
            };
            bind(&mut sql, &mut values, " AND request_id IN (SELECT request_id FROM log_lines_fts f CROSS JOIN log_lines l ON l.id = f.rowid WHERE log_lines_fts MATCH ? AND request_id IS NOT NULL", matching.fts.clone().into());
            bind_phrases(&mut sql, &mut values, "l.message", &matching);
            if let Some(function) = &query.function {
                bind(
                    &mut sql,
                    &mut values,
                    " AND function = ?",
                    function.clone().into(),
                );
            }
            if let Some(from) = query.from_ms {
                bind(
                    &mut sql,
                    &mut values,
                    " AND ts >= ?",
                    (from - HOUR_MS).into(),
                );
            }
            if let Some(to) = query.to_ms {
                bind(&mut sql, &mut values, " AND ts < ?", (to + HOUR_MS).into());
            }
            sql.push(')');
        }
        bind(
            &mut sql,
            &mut values,
            " ORDER BY ts DESC, id DESC LIMIT ?",
            i64::from(query.limit).into(),
        );
        let mut statement = connection.prepare(&sql)?;
        let rows =
            statement.query_map(rusqlite::params_from_iter(values.iter()), read_invocation)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn search_lines(&self, query: &LineQuery) -> StoreResult<Vec<LineRecord>> {
        let connection = self.reader()?;
        let mut query = query.clone();
        // A request id typed as search text is the request id filter (the index does not
        // hold request ids); the rest of the text is searched.
        if let (None, Some(text)) = (&query.request_id, &query.text) {
            (query.request_id, query.text) = split_request_id(text);
        }
        // Lines are not indexed by request id: narrow to the invocation's function and
        // time range (a minute either side) when it is stored.
        // (A window the query gives is narrowed the same way.)
        if let Some(request_id) = &query.request_id {
            let found: Option<(String, Option<i64>, Option<i64>)> = connection
                .prepare_cached("SELECT function, MIN(COALESCE(start_ms, ts)), MAX(ts) FROM invocations WHERE request_id = ?1 GROUP BY function LIMIT 1")?
                .query_row(params![request_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?;
            if let Some((function, Some(from), Some(to))) = found {
                if query.function.as_ref().is_none_or(|f| *f == function) {
                    query.function = Some(function);
                    let given = query.window.unwrap_or(Window {
                        from_ms: i64::MIN,
                        to_ms: i64::MAX,
                    });
                    query.window = Some(Window {
                        from_ms: given.from_ms.max(from - MINUTE_MS),
                        to_ms: given.to_ms.min(to + MINUTE_MS),
                    });
                }
            }
        }
        let query = &query;
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        let mut sql = match &query.text {
            // The full-text index drives: newest matches first, then the filters.
            Some(text) => {
                let Some(matching) = fts_query(text) else {
                    return Ok(Vec::new());
                };
                let mut sql = String::from("SELECT l.id, l.ts, l.function, l.log_stream, l.request_id, l.message FROM log_lines_fts f CROSS JOIN log_lines l ON l.id = f.rowid WHERE");
                bind(&mut sql, &mut values, " log_lines_fts MATCH ?", matching.fts.clone().into());
                bind_phrases(&mut sql, &mut values, "l.message", &matching);
                sql
            }
            None => String::from("SELECT l.id, l.ts, l.function, l.log_stream, l.request_id, l.message FROM log_lines l WHERE 1 = 1"),
        };
        if let Some(function) = &query.function {
            bind(
                &mut sql,
                &mut values,
                " AND l.function = ?",
                function.clone().into(),
            );
        }
        if let Some(request_id) = &query.request_id {
            bind(
                &mut sql,
                &mut values,
                " AND l.request_id = ?",
                request_id.clone().into(),
            );
        }
        if let Some(window) = query.window {
            bind(
                &mut sql,
                &mut values,
                " AND l.ts >= ?",
                window.from_ms.into(),
            );
            bind(&mut sql, &mut values, " AND l.ts < ?", window.to_ms.into());
        }
        if let Some(outcome) = &query.outcome {
            sql.push_str(" AND EXISTS (SELECT 1 FROM invocations i WHERE i.request_id = l.request_id AND i.log_stream = l.log_stream AND i.log_group = l.log_group");
            if outcome == "failure" {
                sql.push_str(" AND i.outcome <> 'success')");
            } else {
                bind(
                    &mut sql,
                    &mut values,
                    " AND i.outcome = ?)",
                    outcome.clone().into(),
                );
            }
        }
        let order = if query.text.is_some() {
            " ORDER BY f.rowid DESC LIMIT ?"
        } else {
            " ORDER BY l.id DESC LIMIT ?"
        };
        bind(&mut sql, &mut values, order, i64::from(query.limit).into());
        let mut statement = connection.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values.iter()), |row| {
            Ok(LineRecord {
                id: row.get(0)?,
                timestamp: time(row.get(1)?),
                function: row.get(2)?,
                log_stream: row.get(3)?,
                request_id: row.get(4)?,
                message: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn error_groups(&self, query: &GroupQuery) -> StoreResult<Vec<ErrorGroupRecord>> {
        let connection = self.reader()?;
        let mut sql = format!("SELECT {GROUP_COLUMNS} FROM error_groups WHERE 1 = 1");
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(function) = &query.function {
            bind(
                &mut sql,
                &mut values,
                " AND function = ?",
                function.clone().into(),
            );
        }
        if let Some(status) = query.status {
            bind(
                &mut sql,
                &mut values,
                " AND status = ?",
                status.as_str().to_owned().into(),
            );
        }
        let Some(window) = query.window else {
            bind(
                &mut sql,
                &mut values,
                " ORDER BY count DESC, fingerprint LIMIT ?",
                i64::from(query.limit).into(),
            );
            let mut statement = connection.prepare(&sql)?;
            let rows =
                statement.query_map(rusqlite::params_from_iter(values.iter()), group_record)?;
            return Ok(rows.collect::<rusqlite::Result<_>>()?);
        };
        // With a window, a group counts what happened inside it: groups with occurrences
        // there, most frequent there first.
        bind(
            &mut sql,
            &mut values,
            " AND last_seen >= ?",
            window.from_ms.into(),
        );
        bind(
            &mut sql,
            &mut values,
            " AND first_seen < ?",
            window.to_ms.into(),
        );
        let mut statement = connection.prepare(&sql)?;
        let candidates: Vec<ErrorGroupRecord> = statement
            .query_map(rusqlite::params_from_iter(values.iter()), group_record)?
            .collect::<rusqlite::Result<_>>()?;
        // Occurrences in the window per group: whole days and hours from the rollups, the
        // ragged ends from the occurrences (by time).
        let mut in_window: HashMap<String, u64> = HashMap::new();
        let mut count = |sql: &str, values: &[i64]| -> rusqlite::Result<()> {
            let mut statement = connection.prepare_cached(sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(values))?;
            while let Some(row) = rows.next()? {
                *in_window.entry(row.get(0)?).or_insert(0) += row.get::<_, i64>(1)?.max(0) as u64;
            }
            Ok(())
        };
        for part in event_cover(window.from_ms, window.to_ms) {
            match part {
                EventPart::Rolled { width, first, end } => count(
                    "SELECT fingerprint, SUM(count) FROM error_rollups WHERE width = ?1 AND bucket >= ?2 AND bucket < ?3 GROUP BY fingerprint",
                    &[width, first, end],
                )?,
                EventPart::Raw { from_ms, to_ms } => count(
                    "SELECT fingerprint, COUNT(*) FROM error_occurrences WHERE ts >= ?1 AND ts < ?2 GROUP BY fingerprint",
                    &[from_ms, to_ms],
                )?,
            }
        }
        let mut groups = Vec::new();
        for mut group in candidates {
            if let Some(&n) = in_window.get(&group.fingerprint).filter(|&&n| n > 0) {
                group.in_window = Some(n);
                groups.push(group);
            }
        }
        groups.sort_by(|a, b| {
            b.in_window
                .cmp(&a.in_window)
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        groups.truncate(query.limit as usize);
        Ok(groups)
    }

    fn error_group(
        &self,
        fingerprint: &str,
        occurrences: u32,
    ) -> StoreResult<Option<ErrorGroupDetail>> {
        let connection = self.reader()?;
        let Some(group) = connection
            .prepare_cached(&format!(
                "SELECT {GROUP_COLUMNS} FROM error_groups WHERE fingerprint = ?1"
            ))?
            .query_row(params![fingerprint], group_record)
            .optional()?
        else {
            return Ok(None);
        };
        let mut statement = connection.prepare_cached(
            "SELECT id, request_id, ts, error_type, message, stack, unhandled FROM error_occurrences WHERE fingerprint = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let occurrences = statement
            .query_map(params![fingerprint, occurrences], occurrence_record)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(ErrorGroupDetail { group, occurrences }))
    }

    fn set_error_group_status(
        &self,
        fingerprint: &str,
        status: GroupStatus,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let connection = lock(&self.writer);
        let resolved_at = (status == GroupStatus::Resolved).then_some(at_ms);
        let changed = connection.execute(
            "UPDATE error_groups SET status = ?2, resolved_at = ?3, updated_at = ?4 WHERE fingerprint = ?1",
            params![fingerprint, status.as_str(), resolved_at, at_ms],
        )?;
        Ok(changed == 1)
    }

    fn error_groups_created_after(&self, after_ms: i64) -> StoreResult<Vec<ErrorGroupRecord>> {
        let connection = self.reader()?;
        let mut statement = connection.prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM error_groups WHERE created_at > ?1 ORDER BY created_at LIMIT 1000"))?;
        let rows = statement.query_map(params![after_ms], group_record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn security_events(&self, query: &SecurityQuery) -> StoreResult<Vec<SecurityEventRecord>> {
        let connection = self.reader()?;
        let mut sql = String::from("SELECT id, risk, kind, function, request_id, ts, detail FROM security_events WHERE 1 = 1");
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        security_filter(query, &mut sql, &mut values);
        bind(
            &mut sql,
            &mut values,
            " ORDER BY id DESC LIMIT ?",
            i64::from(query.limit).into(),
        );
        let mut statement = connection.prepare(&sql)?;
        let rows =
            statement.query_map(rusqlite::params_from_iter(values.iter()), security_record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn replace_findings(
        &self,
        stack: &str,
        findings: &[FindingRecord],
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut connection = lock(&self.writer);
        let tx = connection.transaction()?;
        tx.execute("DELETE FROM findings WHERE stack = ?1", params![stack])?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO findings (stack, rule_id, name, severity, risk, message, file, line, resource, resource_type, mapped_function, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")?;
            for f in findings {
                insert.execute(params![
                    stack,
                    f.rule_id,
                    f.name,
                    f.severity,
                    f.risk,
                    f.message,
                    f.file,
                    f.line,
                    f.resource,
                    f.resource_type,
                    f.mapped_function,
                    now_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn findings(&self, stack: Option<&str>) -> StoreResult<Vec<FindingRecord>> {
        let connection = self.reader()?;
        let mut statement = connection.prepare_cached("SELECT stack, rule_id, name, severity, risk, message, file, line, resource, resource_type, mapped_function, uploaded_at FROM findings WHERE ?1 IS NULL OR stack = ?1 ORDER BY id")?;
        let rows = statement.query_map(params![stack], |row| {
            Ok(FindingRecord {
                stack: row.get(0)?,
                rule_id: row.get(1)?,
                name: row.get(2)?,
                severity: row.get(3)?,
                risk: row.get(4)?,
                message: row.get(5)?,
                file: row.get(6)?,
                line: row.get(7)?,
                resource: row.get(8)?,
                resource_type: row.get(9)?,
                mapped_function: row.get(10)?,
                uploaded_at: time(row.get(11)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn security_groups(&self, query: &SecurityQuery) -> StoreResult<Vec<SecurityGroup>> {
        let connection = self.reader()?;
        // One snapshot across the rollups and the raw rows.
        let _snapshot = connection.unchecked_transaction()?;
        let mut groups: HashMap<(String, String), (String, SecurityTally)> = HashMap::new();
        let mut add = |sql: String, values: Vec<rusqlite::types::Value>| -> rusqlite::Result<()> {
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
            while let Some(row) = rows.next()? {
                let tally = SecurityTally {
                    count: row.get::<_, i64>(3)?.max(0) as u64,
                    first: row.get(4)?,
                    last: row.get(5)?,
                    latest: row.get(6)?,
                };
                groups
                    .entry((row.get(0)?, row.get(1)?))
                    .and_modify(|(_, kept)| kept.merge(tally))
                    .or_insert((row.get(2)?, tally));
            }
            Ok(())
        };
        match (query.window, query.received_after_ms) {
            // A window (every caller but alert evaluation): whole days and hours from the
            // rollups, the ragged ends from the events.
            (Some(window), None) => {
                for part in event_cover(window.from_ms, window.to_ms) {
                    let mut values = Vec::new();
                    let mut sql = match part {
                        EventPart::Rolled { width, first, end } => {
                            let mut sql = String::from("SELECT kind, function, risk, SUM(count), MIN(first_ts), MAX(last_ts), MAX(latest_id) FROM security_rollups WHERE 1 = 1");
                            bind(&mut sql, &mut values, " AND width = ?", width.into());
                            bind(&mut sql, &mut values, " AND bucket >= ?", first.into());
                            bind(&mut sql, &mut values, " AND bucket < ?", end.into());
                            sql
                        }
                        EventPart::Raw { from_ms, to_ms } => {
                            let mut sql = String::from("SELECT kind, function, risk, COUNT(*), MIN(ts), MAX(ts), MAX(id) FROM security_events WHERE 1 = 1");
                            bind(&mut sql, &mut values, " AND ts >= ?", from_ms.into());
                            bind(&mut sql, &mut values, " AND ts < ?", to_ms.into());
                            sql
                        }
                    };
                    let unwindowed = SecurityQuery {
                        window: None,
                        ..query.clone()
                    };
                    security_filter(&unwindowed, &mut sql, &mut values);
                    sql.push_str(" GROUP BY kind, function, risk");
                    add(sql, values)?;
                }
            }
            _ => {
                let mut values = Vec::new();
                let mut sql = String::from("SELECT kind, function, risk, COUNT(*), MIN(ts), MAX(ts), MAX(id) FROM security_events WHERE ts IS NOT NULL");
                security_filter(query, &mut sql, &mut values);
                sql.push_str(" GROUP BY kind, function, risk");
                add(sql, values)?;
            }
        }
        let mut ranked: Vec<((String, String), (String, SecurityTally))> =
            groups.into_iter().collect();
        ranked.sort_by(|((kind_a, fn_a), (_, a)), ((kind_b, fn_b), (_, b))| {
            b.count
                .cmp(&a.count)
                .then_with(|| kind_a.cmp(kind_b))
                .then_with(|| fn_a.cmp(fn_b))
        });
        ranked.truncate(query.limit as usize);
        let mut sample = connection.prepare_cached(
            "SELECT id, risk, kind, function, request_id, ts, detail FROM security_events WHERE id = ?1",
        )?;
        let mut out = Vec::with_capacity(ranked.len());
        for ((kind, function), (_, tally)) in ranked {
            let mut found = sample
                .query_row(params![tally.latest], security_record)
                .optional()?;
            if found.is_none() {
                // Retention took the newest event of a day bucket it cut into: the newest
                // one left in the group is the sample.
                found = connection
                    .prepare_cached("SELECT id, risk, kind, function, request_id, ts, detail FROM security_events WHERE kind = ?1 AND function = ?2 AND ts >= ?3 AND ts <= ?4 ORDER BY id DESC LIMIT 1")?
                    .query_row(params![kind, function, tally.first, tally.last], security_record)
                    .optional()?;
            }
            let Some(sample) = found else {
                continue;
            };
            out.push(SecurityGroup {
                kind,
                function,
                risk: sample.risk.clone(),
                count: tally.count,
                first_seen: time(Some(tally.first)),
                last_seen: time(Some(tally.last)),
                sample,
            });
        }
        Ok(out)
    }

    fn invocation(&self, id: i64, max_lines: u32) -> StoreResult<Option<InvocationDetail>> {
        let connection = self.reader()?;
        let Some(record) = connection
            .prepare_cached(&format!(
                "SELECT {INVOCATION_COLUMNS} FROM invocations WHERE id = ?1"
            ))?
            .query_row(params![id], read_invocation)
            .optional()?
        else {
            return Ok(None);
        };
        let invocation = &record.invocation;
        // Lines are found by function and time (the (function, ts) index), then narrowed to
        // the invocation's stream and request id; a minute either side catches stragglers.
        let at = invocation.end.or(invocation.start);
        let from = invocation.start.or(at).map_or(i64::MIN, |t| t - MINUTE_MS);
        let to = at.map_or(i64::MAX, |t| t + MINUTE_MS);
        let lines = connection
            .prepare_cached("SELECT id, ts, function, log_stream, request_id, message FROM log_lines WHERE function = ?1 AND ts >= ?2 AND ts <= ?3 AND log_stream = ?4 AND request_id = ?5 ORDER BY ts, id LIMIT ?6")?
            .query_map(
                params![invocation.function, from, to, invocation.log_stream, invocation.request_id, max_lines],
                |row| {
                    Ok(LineRecord {
                        id: row.get(0)?,
                        timestamp: time(row.get(1)?),
                        function: row.get(2)?,
                        log_stream: row.get(3)?,
                        request_id: row.get(4)?,
                        message: row.get(5)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        let error = match &invocation.error {
            Some(error) => connection
                .prepare_cached("SELECT id, request_id, ts, error_type, message, stack, unhandled FROM error_occurrences WHERE fingerprint = ?1 AND request_id = ?2 ORDER BY id DESC LIMIT 1")?
                .query_row(params![error.fingerprint, invocation.request_id], occurrence_record)
                .optional()?,
            None => None,
        };
        Ok(Some(InvocationDetail {
            invocation: record,
            lines,
            error,
        }))
    }

    fn error_occurrences(
        &self,
        fingerprint: &str,
        window: Window,
        step_ms: i64,
        limit: u32,
    ) -> StoreResult<OccurrenceSeries> {
        let connection = self.reader()?;
        let origin = window.from_ms.div_euclid(step_ms) * step_ms;
        let points = usize::try_from((window.to_ms - origin + step_ms - 1) / step_ms).unwrap_or(0);
        let mut counts = vec![0u64; points];
        let mut total = 0;
        {
            let mut statement = connection.prepare_cached("SELECT (ts - ?2) / ?4, COUNT(*) FROM error_occurrences WHERE fingerprint = ?1 AND ts >= ?3 AND ts < ?5 GROUP BY 1")?;
            let mut rows = statement.query(params![
                fingerprint,
                origin,
                window.from_ms,
                step_ms,
                window.to_ms
            ])?;
            while let Some(row) = rows.next()? {
                let index: i64 = row.get(0)?;
                let n = row.get::<_, i64>(1)?.max(0) as u64;
                total += n;
                if let Some(slot) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                    *slot += n;
                }
            }
        }
        let occurrences = connection
            .prepare_cached("SELECT id, request_id, ts, error_type, message, stack, unhandled FROM error_occurrences WHERE fingerprint = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts DESC, id DESC LIMIT ?4")?
            .query_map(params![fingerprint, window.from_ms, window.to_ms, limit], occurrence_record)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(OccurrenceSeries {
            total,
            counts,
            occurrences,
        })
    }

    fn alert_rules(&self) -> StoreResult<Vec<AlertRule>> {
        let connection = self.reader()?;
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alert_rules ORDER BY id"
        ))?;
        let rows: Vec<(AlertRuleRow, String)> = statement
            .query_map([], alert_rule_record)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(row, spec)| build_alert_rule(row, &spec))
            .collect()
    }

    fn alert_rule(&self, id: i64) -> StoreResult<Option<AlertRule>> {
        let connection = self.reader()?;
        let row = connection
            .prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM alert_rules WHERE id = ?1"
            ))?
            .query_row(params![id], alert_rule_record)
            .optional()?;
        row.map(|(row, spec)| build_alert_rule(row, &spec))
            .transpose()
    }

    fn create_alert_rule(&self, spec: &AlertRuleSpec, now_ms: i64) -> StoreResult<AlertRule> {
        let id = {
            let connection = lock(&self.writer);
            connection.execute(
                "INSERT INTO alert_rules (spec, state, cursor_at, created_at, updated_at) VALUES (?1, 'ok', ?2, ?2, ?2)",
                params![serde_json::to_string(spec)?, now_ms],
            )?;
            connection.last_insert_rowid()
        };
        self.alert_rule(id)?
            .ok_or_else(|| StoreError::Backend("created rule vanished".into()))
    }

    fn update_alert_rule(
        &self,
        id: i64,
        spec: &AlertRuleSpec,
        now_ms: i64,
    ) -> StoreResult<Option<AlertRule>> {
        let changed = lock(&self.writer).execute(
            "UPDATE alert_rules SET spec = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, serde_json::to_string(spec)?, now_ms],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        self.alert_rule(id)
    }

    fn delete_alert_rule(&self, id: i64) -> StoreResult<bool> {
        let mut connection = lock(&self.writer);
        let tx = connection.transaction()?;
        let changed = tx.execute("DELETE FROM alert_rules WHERE id = ?1", params![id])?;
        tx.execute("DELETE FROM alert_events WHERE rule_id = ?1", params![id])?;
        tx.commit()?;
        Ok(changed == 1)
    }

    fn apply_alert_update(&self, update: &AlertUpdate) -> StoreResult<()> {
        let mut connection = lock(&self.writer);
        let tx = connection.transaction()?;
        tx.execute(
            "UPDATE alert_rules SET state = ?2, last_value = ?3, cursor_at = ?4, last_notified_at = COALESCE(?5, last_notified_at) WHERE id = ?1",
            params![update.rule_id, update.state.as_str(), update.value, update.cursor_at_ms, update.notified_at_ms],
        )?;
        if let Some((message, deliveries)) = &update.event {
            tx.execute(
                "INSERT INTO alert_events (rule_id, at, state, value, message, deliveries) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![update.rule_id, update.at_ms, update.state.as_str(), update.value, message, deliveries.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn alert_history(&self, rule_id: Option<i64>, limit: u32) -> StoreResult<Vec<AlertEvent>> {
        let connection = self.reader()?;
        let mut statement = connection.prepare_cached(
            "SELECT id, rule_id, at, state, value, message, deliveries FROM alert_events WHERE (?1 IS NULL OR rule_id = ?1) ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![rule_id, limit], |row| {
            let state: String = row.get(3)?;
            let deliveries: String = row.get(6)?;
            Ok(AlertEvent {
                id: row.get(0)?,
                rule_id: row.get(1)?,
                at: format_millis(row.get(2)?),
                state: AlertState::parse(&state).unwrap_or(AlertState::Ok),
                value: row.get(4)?,
                message: row.get(5)?,
                deliveries: serde_json::from_str(&deliveries).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn apply_retention(
        &self,
        policy: RetentionPolicy,
        now_ms: i64,
    ) -> StoreResult<RetentionReport> {
        let cutoff = now_ms - i64::from(policy.days) * 86_400_000;
        let mut report = RetentionReport::default();
        let connection = lock(&self.writer);
        // Lines still needed to rebuild open streams are never deleted.
        let keep_from: i64 = connection.query_row(
            "SELECT COALESCE(MIN(replay_from), 9223372036854775807) FROM open_streams",
            [],
            |row| row.get(0),
        )?;
        report.lines_deleted += connection.execute(
            "DELETE FROM log_lines WHERE ts < ?1 AND id < ?2",
            params![cutoff, keep_from],
        )? as u64;
        report.invocations_deleted +=
            connection.execute("DELETE FROM invocations WHERE ts < ?1", params![cutoff])? as u64;
        connection.execute(
            "DELETE FROM rollups_minute WHERE bucket < ?1",
            params![cutoff.div_euclid(MINUTE_MS)],
        )?;
        connection.execute(
            "DELETE FROM rollups_hour WHERE bucket < ?1",
            params![cutoff.div_euclid(HOUR_MS)],
        )?;
        connection.execute(
            "DELETE FROM rollups_day WHERE bucket < ?1",
            params![cutoff.div_euclid(DAY_MS)],
        )?;
        connection.execute(
            "DELETE FROM error_occurrences WHERE ts < ?1",
            params![cutoff],
        )?;
        connection.execute("DELETE FROM security_events WHERE ts < ?1", params![cutoff])?;
        for width in EVENT_TIERS {
            for table in ["security_rollups", "error_rollups"] {
                connection.execute(
                    &format!("DELETE FROM {table} WHERE width = ?1 AND bucket < ?2"),
                    params![width, cutoff.div_euclid(width)],
                )?;
            }
        }
        custom_metrics::apply_retention(&connection, cutoff)?;
        // Firehose retries come within hours; a day of delivery ids is plenty.
        connection.execute(
            "DELETE FROM ingest_requests WHERE received_at < ?1",
            params![now_ms - 86_400_000],
        )?;
        let used = |connection: &Connection| -> rusqlite::Result<u64> {
            let pages: i64 = connection.query_row("SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())", [], |row| row.get(0))?;
            let size: i64 =
                connection.query_row("SELECT page_size FROM pragma_page_size()", [], |row| {
                    row.get(0)
                })?;
            Ok((pages.max(0) * size) as u64)
        };
        // Over the size budget: drop the oldest raw lines first (they are the bulk), then
        // the oldest invocations, in slices so the writer is never held long.
        for _ in 0..64 {
            if used(&connection)? <= policy.max_bytes {
                break;
            }
            let lines = connection.execute("DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE id < ?1 ORDER BY id LIMIT 20000)", params![keep_from])? as u64;
            report.lines_deleted += lines;
            if lines == 0 {
                let invocations = connection.execute("DELETE FROM invocations WHERE id IN (SELECT id FROM invocations ORDER BY ts LIMIT 20000)", [])? as u64;
                report.invocations_deleted += invocations;
                if invocations == 0 {
                    break;
                }
            }
        }
        // Deleted rollups may lie in kept folds.
        self.sealed.retire_all();
        report.size_bytes = used(&connection)?;
        Ok(report)
    }

    fn stats(&self) -> StoreResult<StoreStats> {
        let connection = self.reader()?;
        let count = |table: &str| -> rusqlite::Result<u64> {
            connection
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get::<_, i64>(0)
                })
                .map(|n| n as u64)
        };
        let pages: i64 = connection.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |row| row.get(0),
        )?;
        Ok(StoreStats {
            lines: count("log_lines")?,
            invocations: count("invocations")?,
            error_groups: count("error_groups")?,
            security_events: count("security_events")?,
            size_bytes: pages.max(0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_leaves_out_the_runtime_prefix_and_request_ids() {
        let id = "dc450d05-ce35-497f-8dfc-a88640b8b9f8";
        assert_eq!(
            indexed_text(
                &format!("2026-12-05T13:37:53.470Z\t{id}\tINFO\tcharging card"),
                Some(id)
            ),
            "INFO\tcharging card"
        );
        assert_eq!(
            indexed_text(
                &format!("[ERROR]\t2026-12-05T13:37:53.470Z\t{id}\tpayment {id} failed"),
                Some(id)
            ),
            "[ERROR]\tpayment   failed"
        );
        assert_eq!(
            indexed_text("2026-12-05T13:37:53Z\tno request id here", None),
            "no request id here"
        );
        // Lines that are not the runtime's format keep their text.
        let json = "{\"level\":\"info\",\"msg\":\"ok\"}";
        assert_eq!(indexed_text(json, Some(id)), json);
        assert_eq!(
            indexed_text("2026 was a year\tok", None),
            "2026 was a year\tok"
        );
    }

    #[test]
    fn request_ids_in_a_search_are_uuids() {
        assert_eq!(
            request_id_words("declined \"dc450d05-ce35-497f-8dfc-a88640b8b9f8\" card"),
            ["dc450d05-ce35-497f-8dfc-a88640b8b9f8"]
        );
        assert!(request_id_words("dc450d05-ce35-497f-8dfc declined").is_empty());
        assert!(request_id_words("zc450d05-ce35-497f-8dfc-a88640b8b9f8").is_empty());
    }
}
