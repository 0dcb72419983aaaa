//! The whole chain in one value: decoded events → [`Assembler`] → [`Aggregator`], with the
//! input problems kept for the report. Decoders write into it directly (it is an
//! [`EventSink`]); callers that stream results (`--format ndjson`, `tail`, the server)
//! ask it to keep the emitted items and take them after each push.

use std::io::{self, Read};

use crate::aggregate::{Aggregator, Report};
use crate::assembler::{Assembler, AssemblerConfig, Emitted};
use crate::event::{EventSink, InputProblem, LogEvent};
use crate::input::{decode_reader, SourceContext};

/// Problems kept for display; all are counted.
const MAX_KEPT_PROBLEMS: usize = 1_000;

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
    pub fn read(&mut self, reader: impl Read, context: &SourceContext) -> io::Result<()> {
        decode_reader(reader, context, self)
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
}
