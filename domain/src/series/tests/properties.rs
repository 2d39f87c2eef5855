//! Any sequence of reservations, submissions, partial outcomes, lost answers and
//! reconciliations, against a model of ARCA that enforces last authorized + 1: ARCA only ever
//! receives the next number, confirmed numbers are strictly consecutive from the opening number
//! with no gap and no duplicate, no invoice holds two live numbers or gets two CAEs.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::aggregate::Aggregate;
use crate::testing::context;

#[derive(Debug, Clone)]
enum Op {
    /// Reserve numbers for these invoices (of a pool of 24).
    Reserve(Vec<u8>),
    /// Send up to `count` numbers from the next one (shifted by `shift`, to try the wrong one);
    /// ARCA approves the first `approved`, refuses the next
    /// (the whole request when `header_error`); the answer is lost when `lost`, and ARCA never
    /// got the request when `lost` and not `reached`.
    Send {
        shift: i8,
        count: usize,
        approved: usize,
        header_error: bool,
        lost: Option<UncertainReason>,
        reached: bool,
    },
    /// Ask `FECompConsultar` about the numbers in doubt.
    Reconcile,
}

fn op() -> impl Strategy<Value = Op> {
    let reason = prop_oneof![
        Just(UncertainReason::Timeout),
        Just(UncertainReason::ConnectionDropped),
        Just(UncertainReason::Crash),
    ];
    prop_oneof![
        3 => prop::collection::vec(0u8..24, 1..6).prop_map(Op::Reserve),
        4 => (
            prop_oneof![6 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
            1usize..6,
            0usize..7,
            prop::bool::weighted(0.1),
            prop::option::weighted(0.3, reason),
            any::<bool>(),
        )
            .prop_map(|(shift, count, approved, header_error, lost, reached)| Op::Send {
                shift,
                count,
                approved,
                header_error,
                lost,
                reached,
            }),
        2 => Just(Op::Reconcile),
    ]
}

/// ARCA for one series: the last authorized number and what it holds at each number.
#[derive(Default)]
struct Arca {
    last: u64,
    held: BTreeMap<u64, (Fingerprint, String)>,
}

struct World {
    series: Series,
    arca: Arca,
    opening: u64,
    confirmed: Vec<u64>,
    with_cae: BTreeSet<InvoiceId>,
    finally_rejected: BTreeSet<InvoiceId>,
}

impl World {
    fn new(opening: u64) -> Self {
        let mut world = Self {
            series: Series::default(),
            arca: Arca {
                last: opening,
                ..Arca::default()
            },
            opening,
            confirmed: Vec::new(),
            with_cae: BTreeSet::new(),
            finally_rejected: BTreeSet::new(),
        };
        world.run(OpenSeries {
            last_authorized: opening,
        });
        world
    }

    /// Decides and, when accepted, records the events; returns whether it was accepted.
    fn run(&mut self, command: impl Into<SeriesCommand>) -> Option<Vec<SeriesEvent>> {
        let events = self.series.decide(command.into(), &context()).ok()?;
        for event in &events {
            self.observe(event);
            self.series = std::mem::take(&mut self.series).evolve(event);
        }
        Some(events)
    }

    /// Bookkeeping of what the events claim, checked against the state before them.
    fn observe(&mut self, event: &SeriesEvent) {
        let mut confirm = |number: u64, invoice_id: InvoiceId| {
            self.confirmed.push(number);
            assert!(
                self.with_cae.insert(invoice_id),
                "{invoice_id} got two CAEs"
            );
        };
        match event {
            SeriesEvent::SubmissionCompleted(e) => {
                for r in &e.results {
                    let (invoice_id, _) = self.series.reservation(r.number).unwrap();
                    match r.outcome {
                        DetailOutcome::Authorized { .. } => confirm(r.number, invoice_id),
                        DetailOutcome::Rejected { .. } => {
                            self.finally_rejected.insert(invoice_id);
                        }
                        DetailOutcome::NotProcessed => {}
                    }
                }
            }
            SeriesEvent::NumbersRecovered(e) => {
                for r in &e.numbers {
                    confirm(r.number, r.invoice_id);
                }
            }
            SeriesEvent::Halted(e) => panic!("halted without foreign vouchers at ARCA: {e:?}"),
            _ => {}
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Reserve(ns) => {
                let invoices = ns
                    .into_iter()
                    .map(|n| (invoice(n), digest(n)))
                    .filter(|(i, _)| {
                        !self.finally_rejected.contains(i) && !self.with_cae.contains(i)
                    })
                    .collect::<Vec<_>>();
                if !invoices.is_empty() {
                    self.run(ReserveNumbers { invoices });
                }
            }
            Op::Send {
                shift,
                count,
                approved,
                header_error,
                lost,
                reached,
            } => {
                let from = (self.series.last_confirmed() + 1).saturating_add_signed(shift.into());
                self.send(from, count, approved, header_error, lost, reached);
            }
            Op::Reconcile => self.reconcile(),
        }
    }

    fn send(
        &mut self,
        from: u64,
        count: usize,
        approved: usize,
        header: bool,
        lost: Option<UncertainReason>,
        reached: bool,
    ) {
        let to = (from..from + count as u64)
            .take_while(|n| self.series.reservation(*n).is_some())
            .last()
            .unwrap_or(from);
        let command = StartSubmission {
            from,
            to,
            request_hash: "req".to_owned(),
        };
        let Some(events) = self.run(command) else {
            return;
        };
        let [SeriesEvent::SubmissionStarted(intent)] = events.as_slice() else {
            panic!("unexpected {events:?}")
        };
        let outcomes = if lost.is_some() && !reached {
            Vec::new()
        } else {
            self.arca_processes(&intent.numbers, approved, header)
        };
        match lost {
            Some(reason) => {
                self.run(RecordUncertainOutcome { reason }).unwrap();
            }
            None => {
                let results = (from..)
                    .zip(outcomes)
                    .map(|(n, o)| NumberOutcome::new(n, o))
                    .collect();
                let done = CompleteSubmission {
                    response_hash: "resp".to_owned(),
                    results,
                };
                self.run(done).unwrap();
            }
        }
    }

    /// ARCA's rules: each detail must be last + 1; after the first refusal nothing is processed.
    fn arca_processes(
        &mut self,
        numbers: &[SubmittedNumber],
        approved: usize,
        header: bool,
    ) -> Vec<DetailOutcome> {
        assert_eq!(
            numbers[0].number,
            self.arca.last + 1,
            "ARCA got a number that is not the next (10016)"
        );
        let mut refused = header;
        let mut outcomes = Vec::new();
        for (i, sent) in numbers.iter().enumerate() {
            if refused {
                outcomes.push(if header {
                    rejected()
                } else {
                    DetailOutcome::NotProcessed
                });
            } else if i < approved {
                assert_eq!(sent.number, self.arca.last + 1);
                self.arca.last = sent.number;
                self.arca
                    .held
                    .insert(sent.number, (sent.fingerprint, cae(sent.number)));
                outcomes.push(authorized(sent.number));
            } else {
                refused = true;
                outcomes.push(rejected());
            }
        }
        outcomes
    }

    fn reconcile(&mut self) {
        if self.series.status() != Some(SeriesStatus::Blocked) {
            return;
        }
        let findings = self.series.in_flight().unwrap().map(|n| {
            let finding = match self.arca.held.get(&n) {
                Some((fingerprint, cae)) => Finding::Found {
                    fingerprint: *fingerprint,
                    cae: cae.clone(),
                    cae_due_date: date!(2025 - 07 - 11),
                },
                None => Finding::Missing,
            };
            (n, finding)
        });
        let findings = findings.collect();
        self.run(Reconcile { findings }).unwrap();
        if self.series.stall().is_some() {
            // Too many lost answers in a row: the series stalled, and an operator resumes it at
            // ARCA's count (the saga reads it when asked).
            self.run(RequestResume).unwrap();
            let last_authorized = self.arca.last;
            self.run(ResumeSeries { last_authorized }).unwrap();
        }
    }

    fn check(&self) {
        let s = &self.series;
        let expected: Vec<u64> = (self.opening + 1..).take(self.confirmed.len()).collect();
        assert_eq!(
            self.confirmed, expected,
            "confirmed numbers have a gap or a duplicate"
        );
        assert_eq!(
            s.last_confirmed(),
            self.opening + self.confirmed.len() as u64
        );
        if s.status() == Some(SeriesStatus::Open) {
            assert_eq!(
                s.last_confirmed(),
                self.arca.last,
                "series and ARCA disagree"
            );
        }
        let live: Vec<_> = s.reservations().collect();
        let numbers: Vec<u64> = live.iter().map(|(n, _, _)| *n).collect();
        let contiguous: Vec<u64> = (s.last_confirmed() + 1..).take(live.len()).collect();
        assert_eq!(numbers, contiguous, "live reservations leave a gap");
        let holders: BTreeSet<InvoiceId> = live.iter().map(|(_, i, _)| *i).collect();
        assert_eq!(
            holders.len(),
            live.len(),
            "an invoice holds two live numbers"
        );
        for (number, invoice_id, _) in live {
            assert_eq!(s.number_of(invoice_id), Some(number));
            assert!(
                !self.with_cae.contains(&invoice_id),
                "{invoice_id} has a CAE and a live number"
            );
        }
    }
}

proptest! {
    #[test]
    fn arca_receives_strictly_consecutive_numbers_whatever_happens(
        opening in prop_oneof![0u64..1000, Just(99_999_990u64)],
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut world = World::new(opening);
        for op in ops {
            world.apply(op);
            world.check();
        }
        world.reconcile();
        world.check();
        prop_assert_eq!(world.series.status(), Some(SeriesStatus::Open));
        prop_assert_eq!(world.series.last_confirmed(), world.arca.last);
    }
}
