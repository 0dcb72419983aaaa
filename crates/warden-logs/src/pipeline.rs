//! The whole chain in one value: decoded events → [`Assembler`] → [`Aggregator`], with the
//! input problems kept for the report. Decoders write into it directly (it is an
//! [`EventSink`]); callers that stream results (`--format ndjson`, `tail`, the server)
//! ask it to keep the emitted items and take them after each push.

use std::io::{self, Read};

use crate::aggregate::{Aggregator, Report};
use crate::assembler::{Assembler, AssemblerConfig, Emitted};
use std::collections::HashMap;

use crate::event::{EventSink, InputProblem, LogEvent, OwnedLogEvent};
use crate::input::{decode_reader, SourceContext};

/// Problems kept for display; all are counted.
const MAX_KEPT_PROBLEMS: usize = 1_000;
/// Events looked at to tell whether an input is newest first.
pub const ORDER_WINDOW: usize = 2_000;
/// Events of a newest-first input held to put them in order.
pub const MAX_REORDERED: usize = 4_000_000;

pub struct Pipeline {
    assembler: Assembler,
    aggregator: Aggregator,
    emitted: Vec<Emitted>,
    /// How many of `emitted` the aggregator has seen.
    aggregated: usize,
    keep_emitted: bool,
    problems: Vec<InputProblem>,
    problem_count: u64,
}

impl Pipeline {
    pub fn new(config: AssemblerConfig) -> Self {
        let aggregator = Aggregator::new(config.cost);
        Pipeline::with_aggregator(config, aggregator)
    }

    pub fn with_aggregator(config: AssemblerConfig, aggregator: Aggregator) -> Self {
        Pipeline {
            assembler: Assembler::new(config),
            aggregator,
            emitted: Vec::new(),
            aggregated: 0,
            keep_emitted: false,
            problems: Vec::new(),
            problem_count: 0,
        }
    }

    /// Keep emitted items for [`Pipeline::take_emitted`] (they are aggregated either way).
    pub fn keep_emitted(mut self, keep: bool) -> Self {
        self.keep_emitted = keep;
        self
    }

    pub fn push(&mut self, event: &LogEvent<'_>) {
        self.assembler.push(event, &mut self.emitted);
        self.absorb();
    }

    /// Decodes a whole reader into the pipeline.
    ///
    /// An input that is newest first (Logs Insights results, a report copied from the
    /// console) is put in time order before it is assembled: its first
    /// [`ORDER_WINDOW`] events decide, by their timestamps within each stream and by
    /// REPORT lines that come before their START. Such an input is held in memory (up to
    /// [`MAX_REORDERED`] events, then assembled in chunks); any other streams through.
    pub fn read(&mut self, reader: impl Read, context: &SourceContext) -> io::Result<()> {
        let mut order = Reorder::new(self);
        let result = decode_reader(reader, context, &mut order);
        order.finish();
        result
    }

    /// See [`Assembler::flush`].
    pub fn flush(&mut self) {
        self.assembler.flush(&mut self.emitted);
        self.absorb();
    }

    /// See [`Assembler::set_now`].
    pub fn set_now(&mut self, now_wall_ms: i64) {
        self.assembler.set_now(now_wall_ms);
    }

    /// See [`Assembler::close_idle`].
    pub fn close_idle(&mut self, now_wall_ms: i64, idle_after_ms: i64) {
        self.assembler
            .close_idle(now_wall_ms, idle_after_ms, &mut self.emitted);
        self.absorb();
    }

    /// Ends the input. Call once, before the final [`Pipeline::report`].
    pub fn finish(&mut self) {
        self.assembler.finish(&mut self.emitted);
        self.absorb();
    }

    /// Items emitted since the last call (only with [`Pipeline::keep_emitted`]).
    pub fn take_emitted(&mut self) -> Vec<Emitted> {
        self.aggregated = 0;
        std::mem::take(&mut self.emitted)
    }

    pub fn report(&self) -> Report {
        self.aggregator
            .report(self.assembler.stats(), self.problem_count)
    }

    pub fn problems(&self) -> &[InputProblem] {
        &self.problems
    }

    pub fn problem_count(&self) -> u64 {
        self.problem_count
    }

    pub fn assembler(&self) -> &Assembler {
        &self.assembler
    }

    fn absorb(&mut self) {
        if self.emitted.len() == self.aggregated {
            return;
        }
        for item in &self.emitted[self.aggregated..] {
            self.aggregator.add(item);
        }
        if self.keep_emitted {
            self.aggregated = self.emitted.len();
        } else {
            self.emitted.clear();
            self.aggregated = 0;
        }
    }
}

impl EventSink for Pipeline {
    fn event(&mut self, event: LogEvent<'_>) {
        self.push(&event);
    }

    fn problem(&mut self, problem: InputProblem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_KEPT_PROBLEMS {
            self.problems.push(problem);
        }
    }

    fn control_message(&mut self) {
        self.assembler.stats_mut().control_messages += 1;
    }
}

/// Holds the start of an input to tell its order, then passes events on in time order.
struct Reorder<'p> {
    pipeline: &'p mut Pipeline,
    held: Vec<OwnedLogEvent>,
    decided: Option<bool>,
    /// Newer-to-older vs older-to-newer evidence.
    backward: u32,
    forward: u32,
    last_ms: HashMap<(String, String), i64>,
    /// Request ids of START/REPORT lines seen in the window: `true` when REPORT came first.
    seen: HashMap<String, bool>,
}

impl<'p> Reorder<'p> {
    fn new(pipeline: &'p mut Pipeline) -> Self {
        Reorder {
            pipeline,
            held: Vec::new(),
            decided: None,
            backward: 0,
            forward: 0,
            last_ms: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    fn observe(&mut self, event: &LogEvent<'_>) {
        if let Some(ts) = event.timestamp_ms {
            let key = (event.log_group.to_owned(), event.log_stream.to_owned());
            if let Some(last) = self.last_ms.insert(key, ts) {
                match ts.cmp(&last) {
                    std::cmp::Ordering::Less => self.backward += 1,
                    std::cmp::Ordering::Greater => self.forward += 1,
                    std::cmp::Ordering::Equal => {}
                }
            }
        }
        for (prefix, is_report) in [("START RequestId: ", false), ("REPORT RequestId: ", true)] {
            if let Some(rest) = event.message.strip_prefix(prefix) {
                let id = rest.split_whitespace().next().unwrap_or("").to_owned();
                match self.seen.get(&id) {
                    Some(&report_first) if report_first != is_report => {
                        if report_first {
                            self.backward += 1;
                        } else {
                            self.forward += 1;
                        }
                    }
                    Some(_) => {}
                    None => {
                        self.seen.insert(id, is_report);
                    }
                }
            }
        }
    }

    fn decide(&mut self) {
        let backward = self.backward > self.forward;
        self.decided = Some(backward);
        if !backward {
            self.release();
        }
    }

    /// Feeds what is held, in time order when the input was newest first.
    fn release(&mut self) {
        let mut held = std::mem::take(&mut self.held);
        if self.decided == Some(true) {
            held.reverse();
            if held.iter().all(|e| e.timestamp_ms.is_some()) {
                // Stable: events of the same millisecond keep the (reversed) input order.
                held.sort_by_key(|e| e.timestamp_ms);
            }
        }
        for event in &held {
            self.pipeline.push(&event.as_event());
        }
    }

    fn finish(mut self) {
        if self.decided.is_none() {
            self.decide();
        }
        if self.decided == Some(true) {
            if !self.held.is_empty() {
                self.pipeline.assembler.stats_mut().reordered_inputs += 1;
            }
            self.release();
        }
    }
}

impl EventSink for Reorder<'_> {
    fn event(&mut self, event: LogEvent<'_>) {
        match self.decided {
            Some(false) => self.pipeline.push(&event),
            Some(true) => {
                self.held.push(event.into());
                if self.held.len() >= MAX_REORDERED {
                    self.pipeline.assembler.stats_mut().reordered_inputs += 1;
                    self.release();
                }
            }
            None => {
                self.observe(&event);
                self.held.push(event.into());
                if self.held.len() >= ORDER_WINDOW {
                    self.decide();
                }
            }
        }
    }

    fn problem(&mut self, problem: InputProblem) {
        self.pipeline.problem(problem);
    }

    fn control_message(&mut self) {
        self.pipeline.control_message();
    }
}
