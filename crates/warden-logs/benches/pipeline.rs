//! The hot path: parse + assemble + classify (+ security scan) of plain-text Lambda logs,
//! fed as one buffer through the text decoder, as `warden logs analyze` does with a file.
//! Throughput is reported in lines.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use warden_logs::{AssemblerConfig, Pipeline, SourceContext, StreamDecoder};

/// A deterministic plain-text export: Node-format invocations of 3–9 application lines,
/// one in 200 with a handler error, one in 997 timed out, one in 50 a cold start.
fn generate(invocations: usize) -> (Vec<u8>, u64) {
    let mut out = String::new();
    let mut lines = 0u64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..invocations {
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            next() as u32,
            next() as u16,
            next() % 4096,
            next() % 4096,
            next() % (1 << 48)
        );
        out.push_str(&format!("START RequestId: {id} Version: $LATEST\n"));
        let app = 3 + (next() % 7) as usize;
        for i in 0..app {
            if n % 200 == 0 && i == app - 1 {
                out.push_str(&format!("2024-05-01T10:00:00.000Z\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"OrderError\",\"errorMessage\":\"order {} not found\",\"stack\":[\"OrderError: order not found\",\"    at handler (/var/task/index.js:12:11)\"]}}\n", next() % 100_000));
            } else {
                out.push_str(&format!("2024-05-01T10:00:00.000Z\t{id}\tINFO\tprocessing item {i} of batch {n} for customer c-{}\n", next() % 5000));
            }
        }
        out.push_str(&format!("END RequestId: {id}\n"));
        let duration = 1.0 + (next() % 90_000) as f64 / 100.0;
        let init = if n % 50 == 0 {
            "\tInit Duration: 211.37 ms"
        } else {
            ""
        };
        let status = if n % 997 == 0 {
            "\tStatus: timeout"
        } else {
            ""
        };
        out.push_str(&format!(
            "REPORT RequestId: {id}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: 512 MB\tMax Memory Used: {} MB{init}{status}\t\n",
            duration as u64 + 1,
            60 + next() % 140
        ));
        lines += app as u64 + 3;
    }
    (out.into_bytes(), lines)
}

fn analyze(input: &[u8], scan_security: bool) -> u64 {
    let context = SourceContext::named("bench");
    let mut pipeline = Pipeline::new(AssemblerConfig {
        default_function: Some("bench".to_owned()),
        scan_security,
        ..AssemblerConfig::default()
    });
    let mut decoder = StreamDecoder::default();
    for chunk in input.chunks(256 * 1024) {
        decoder.feed(chunk, &context, &mut pipeline);
    }
    decoder.finish(&context, &mut pipeline);
    pipeline.finish();
    pipeline.report().totals.invocations
}

fn pipeline(c: &mut Criterion) {
    let (input, lines) = generate(20_000);
    let mut group = c.benchmark_group("plain_text");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(20);
    group.bench_function("parse_assemble_classify_scan", |b| {
        b.iter_batched(|| (), |()| analyze(&input, true), BatchSize::PerIteration)
    });
    group.bench_function("parse_assemble_classify", |b| {
        b.iter_batched(|| (), |()| analyze(&input, false), BatchSize::PerIteration)
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().noise_threshold(0.02);
    targets = pipeline
}
criterion_main!(benches);
