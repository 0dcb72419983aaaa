//! Following a growing input (`warden logs tail`): a polling loop over a file, or a reader
//! thread over a pipe, feeding the pipeline and handing out what completes.
//!
//! Polling rather than file-system notifications: it works the same on every platform and
//! file system (including network mounts), costs one `read` per interval when idle, and
//! needs no dependency. When the input goes quiet for `settle_after`, reported invocations
//! are emitted without waiting for their stream to move on.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::assembler::Emitted;
use crate::input::{SourceContext, StreamDecoder};
use crate::pipeline::Pipeline;

#[derive(Clone, Debug)]
pub struct FollowOptions {
    /// How often to look for new data when there is none.
    pub poll_interval: Duration,
    /// Quiet time after which reported invocations are emitted.
    pub settle_after: Duration,
    /// Stop after this long without new data (`None`: follow until stopped).
    pub idle_timeout: Option<Duration>,
    /// Read the file from its beginning instead of its current end.
    pub from_start: bool,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll_interval: Duration::from_millis(250),
            settle_after: Duration::from_millis(500),
            idle_timeout: None,
            from_start: false,
        }
    }
}

/// Follows the file at `path` until `stop()` says so or the idle timeout passes. Each
/// batch of emitted items goes to `on_items`; an error from it ends the loop.
pub fn follow_file(
    path: &Path,
    context: &SourceContext,
    options: &FollowOptions,
    pipeline: &mut Pipeline,
    on_items: &mut dyn FnMut(&[Emitted]) -> io::Result<()>,
    stop: &dyn Fn() -> bool,
) -> io::Result<()> {
    let mut file = File::open(path)?;
    let mut position = if options.from_start {
        0
    } else {
        file.seek(SeekFrom::End(0))?
    };
    file.seek(SeekFrom::Start(position))?;
    let mut decoder = StreamDecoder::default();
    let mut buf = vec![0u8; 256 * 1024];
    let mut last_data = Instant::now();
    let mut settled = true;
    while !stop() {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if n > 0 {
            position += n as u64;
            decoder.feed(&buf[..n], context, pipeline);
            deliver(pipeline, on_items)?;
            last_data = Instant::now();
            settled = false;
            continue;
        }
        // At the end: was the file truncated or replaced by a shorter one (rotation)?
        if std::fs::metadata(path).is_ok_and(|m| m.len() < position) {
            decoder.finish(context, pipeline);
            decoder = StreamDecoder::default();
            file = File::open(path)?;
            position = 0;
            continue;
        }
        let quiet = last_data.elapsed();
        if !settled && quiet >= options.settle_after {
            pipeline.flush();
            deliver(pipeline, on_items)?;
            settled = true;
        }
        if options.idle_timeout.is_some_and(|limit| quiet >= limit) {
            break;
        }
        thread::sleep(options.poll_interval);
    }
    decoder.finish(context, pipeline);
    pipeline.finish();
    deliver(pipeline, on_items)
}

/// Follows a reader (stdin) until it ends, `stop()` says so or the idle timeout passes.
/// The reader runs on its own thread so quiet periods can be noticed.
pub fn follow_reader(
    reader: impl Read + Send + 'static,
    context: &SourceContext,
    options: &FollowOptions,
    pipeline: &mut Pipeline,
    on_items: &mut dyn FnMut(&[Emitted]) -> io::Result<()>,
    stop: &dyn Fn() -> bool,
) -> io::Result<()> {
    let (sender, receiver) = mpsc::sync_channel::<io::Result<Vec<u8>>>(16);
    thread::spawn(move || {
        let mut reader = reader;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if sender.send(Ok(buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    let _ = sender.send(Err(error));
                    break;
                }
            }
        }
    });
    let mut decoder = StreamDecoder::default();
    let mut last_data = Instant::now();
    let mut settled = true;
    let mut result = Ok(());
    while !stop() {
        match receiver.recv_timeout(options.poll_interval) {
            Ok(Ok(chunk)) => {
                decoder.feed(&chunk, context, pipeline);
                deliver(pipeline, on_items)?;
                last_data = Instant::now();
                settled = false;
            }
            Ok(Err(error)) => {
                result = Err(error);
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                let quiet = last_data.elapsed();
                if !settled && quiet >= options.settle_after {
                    pipeline.flush();
                    deliver(pipeline, on_items)?;
                    settled = true;
                }
                if options.idle_timeout.is_some_and(|limit| quiet >= limit) {
                    break;
                }
            }
        }
    }
    decoder.finish(context, pipeline);
    pipeline.finish();
    deliver(pipeline, on_items)?;
    result
}

fn deliver(
    pipeline: &mut Pipeline,
    on_items: &mut dyn FnMut(&[Emitted]) -> io::Result<()>,
) -> io::Result<()> {
    let items = pipeline.take_emitted();
    if items.is_empty() {
        Ok(())
    } else {
        on_items(&items)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::assembler::AssemblerConfig;

    #[test]
    fn follows_a_growing_file_and_settles_when_quiet() {
        let dir = std::env::temp_dir().join(format!("warden-follow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.log");
        std::fs::write(
            &path,
            "START RequestId: 11111111-1111-1111-1111-111111111111 Version: 1\n",
        )
        .unwrap();
        let writer_path = path.clone();
        let done = Arc::new(AtomicBool::new(false));
        let writer_done = done.clone();
        let writer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&writer_path)
                .unwrap();
            // Half a line first: the follower must wait for the rest.
            f.write_all(b"REPORT RequestId: 11111111-1111-1111-1111-111111111111\tDuration: 5.00 ms\tBilled").unwrap();
            f.flush().unwrap();
            thread::sleep(Duration::from_millis(100));
            f.write_all(b" Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n")
                .unwrap();
            writer_done.store(true, Ordering::SeqCst);
        });
        let options = FollowOptions {
            poll_interval: Duration::from_millis(20),
            settle_after: Duration::from_millis(100),
            idle_timeout: Some(Duration::from_secs(10)),
            from_start: true,
        };
        let mut pipeline = Pipeline::new(AssemblerConfig::default()).keep_emitted(true);
        let mut seen = Vec::new();
        let stop_flag = AtomicBool::new(false);
        let stop = || stop_flag.load(Ordering::SeqCst);
        follow_file(
            &path,
            &SourceContext::named("app.log"),
            &options,
            &mut pipeline,
            &mut |items| {
                for item in items {
                    if let Emitted::Invocation(inv) = item {
                        seen.push((inv.request_id.clone(), inv.billed_duration_ms));
                        stop_flag.store(true, Ordering::SeqCst);
                    }
                }
                Ok(())
            },
            &stop,
        )
        .unwrap();
        writer.join().unwrap();
        assert!(done.load(Ordering::SeqCst));
        assert_eq!(
            seen,
            vec![("11111111-1111-1111-1111-111111111111".to_owned(), Some(5))]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
