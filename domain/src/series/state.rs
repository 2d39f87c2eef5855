//! The series' state and how events change it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::RangeInclusive;

use super::commands::SeriesCommand;
use super::decide;
use super::error::SeriesError;
use super::events::{
    DetailOutcome, ParkReason, SeriesEvent, SeriesHalted, SeriesStalled, UncertainReason,
};
use super::fingerprint::ContentDigest;
use super::owed::{Owed, OwedList};
use crate::aggregate::{Aggregate, Context};
use crate::ids::InvoiceId;

/// Whether a series may number and send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeriesStatus {
    /// Numbers are reserved and sent.
    Open,
    /// The outcome of a submission is uncertain: it is reconciled before anything is sent
    /// (numbers are still reserved behind it).
    Blocked,
    /// ARCA holds another voucher at one of our numbers, or submissions failed too often in a
    /// row: nothing is numbered or sent until an operator resumes it (invoices queue).
    Halted,
}

impl SeriesStatus {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Blocked => "blocked",
            Self::Halted => "halted",
        }
    }
}

impl fmt::Display for SeriesStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One numbering series: what ARCA confirmed, what is held for whom, and what is in flight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Series {
    status: Option<SeriesStatus>,
    last_confirmed: u64,
    reservations: BTreeMap<u64, (InvoiceId, ContentDigest)>,
    holders: BTreeMap<InvoiceId, u64>,
    in_flight: Option<(u64, u64)>,
    halt: Option<SeriesHalted>,
    /// Invoices ARCA settled in this series (authorized, or refused for good): never reserved
    /// again, however often a batch of requests is taken in (an intake repeated after a crash
    /// or a change of leader sees them once more).
    settled: BTreeSet<InvoiceId>,
    /// What the latest outcome asks of the invoices (see [`Owed`]).
    owed: OwedList,
    /// Invoices waiting for a number, in request order, with their digests.
    queue: Vec<(InvoiceId, ContentDigest)>,
    /// The invoices in `queue`.
    queued: BTreeSet<InvoiceId>,
    /// Why the saga could not go on, until it next opens or sends.
    parked: Option<ParkReason>,
    /// Submissions in a row whose outcome was lost without any number settled since, and what
    /// went wrong the last time.
    failures: u32,
    last_failure: Option<UncertainReason>,
    /// The alert that stalled the series, while halted for it.
    stall: Option<SeriesStalled>,
    /// An operator asked for the halted series to be resumed.
    resume_requested: bool,
}

impl Series {
    /// The status, once opened.
    pub fn status(&self) -> Option<SeriesStatus> {
        self.status
    }

    /// The last number ARCA authorized in this series, as far as we know.
    pub fn last_confirmed(&self) -> u64 {
        self.last_confirmed
    }

    /// The highest number held: the highest live reservation, or the last confirmed number.
    pub fn highest_held(&self) -> u64 {
        self.reservations
            .keys()
            .next_back()
            .map_or(self.last_confirmed, |&n| n.max(self.last_confirmed))
    }

    /// The invoice and content digest holding `number`, if reserved and not yet confirmed.
    pub fn reservation(&self, number: u64) -> Option<(InvoiceId, ContentDigest)> {
        self.reservations.get(&number).copied()
    }

    /// The live number of an invoice, if it holds one.
    pub fn number_of(&self, invoice: InvoiceId) -> Option<u64> {
        self.holders.get(&invoice).copied()
    }

    /// Whether ARCA settled the invoice in this series (authorized it, or refused it for good).
    pub fn settled(&self, invoice: InvoiceId) -> bool {
        self.settled.contains(&invoice)
    }

    /// Every live reservation, ascending: `(number, invoice, digest)`.
    pub fn reservations(&self) -> impl Iterator<Item = (u64, InvoiceId, ContentDigest)> + '_ {
        self.reservations.iter().map(|(&n, &(i, d))| (n, i, d))
    }

    /// Live reservations at or above `from`, ascending.
    pub(super) fn reservations_from(
        &self,
        from: u64,
    ) -> impl Iterator<Item = (u64, InvoiceId)> + '_ {
        self.reservations.range(from..).map(|(&n, &(i, _))| (n, i))
    }

    /// The numbers of the submission in flight (or in doubt, while blocked).
    pub fn in_flight(&self) -> Option<RangeInclusive<u64>> {
        self.in_flight.map(|(from, to)| from..=to)
    }

    /// What the latest outcome asks of its invoices, in the order it arose: applied by the
    /// saga right after recording it, and again by the next driver if a worker stopped in
    /// between.
    pub fn owed(&self) -> &[(InvoiceId, Owed)] {
        self.owed.entries()
    }

    /// Changes whenever [`Series::owed`] does: a driver that applied the list at one serial
    /// need not apply it again while the serial stands.
    pub fn owed_serial(&self) -> u64 {
        self.owed.serial()
    }

    /// The alert that halted the series, while halted for a conflict at one of its numbers.
    pub fn halt(&self) -> Option<&SeriesHalted> {
        self.halt.as_ref()
    }

    /// The alert that stalled the series, while halted for failing too often in a row.
    pub fn stall(&self) -> Option<&SeriesStalled> {
        self.stall.as_ref()
    }

    /// The invoices waiting for a number, in request order.
    pub fn queue(&self) -> &[(InvoiceId, ContentDigest)] {
        &self.queue
    }

    /// Whether the invoice waits in the queue.
    pub fn is_queued(&self, invoice: InvoiceId) -> bool {
        self.queued.contains(&invoice)
    }

    /// Why the series' invoices wait, when it is parked or halted.
    pub fn waiting_reason(&self) -> Option<ParkReason> {
        match self.status {
            Some(SeriesStatus::Halted) => Some(ParkReason::SeriesHalted),
            _ => self.parked,
        }
    }

    /// Submissions in a row whose outcome was lost with no number settled since.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// What went wrong with the last of [`Series::failures`].
    pub fn last_failure(&self) -> Option<UncertainReason> {
        self.last_failure
    }

    /// Whether an operator asked for the halted series to be resumed.
    pub fn resume_requested(&self) -> bool {
        self.resume_requested
    }

    /// Owes the invoice at `number` ARCA's answer for it (a number not processed is owed its
    /// renumbering by the release that follows).
    fn owe_outcome(&mut self, number: u64, outcome: &DetailOutcome) {
        let Some(&(invoice, _)) = self.reservations.get(&number) else {
            return;
        };
        let owed = match outcome {
            DetailOutcome::Authorized {
                cae,
                cae_due_date,
                observations,
            } => Owed::Cae {
                number,
                cae: cae.clone(),
                cae_due_date: *cae_due_date,
                observations: observations.clone(),
            },
            DetailOutcome::Rejected {
                errors,
                observations,
            } => Owed::Rejection {
                errors: errors.clone(),
                observations: observations.clone(),
            },
            DetailOutcome::NotProcessed => return,
        };
        self.owed.owe(invoice, owed);
    }

    fn confirm(&mut self, number: u64) {
        self.last_confirmed = self.last_confirmed.max(number);
        self.settle(number);
    }

    /// The invoice at `number` is done with this series: its reservation ends.
    fn settle(&mut self, number: u64) {
        if let Some(&(invoice, _)) = self.reservations.get(&number) {
            self.settled.insert(invoice);
        }
        self.release(number);
    }

    /// Takes numbered invoices out of the queue.
    fn dequeue(&mut self, numbered: impl Iterator<Item = InvoiceId>) {
        let mut gone = false;
        for invoice in numbered {
            gone |= self.queued.remove(&invoice);
        }
        if gone {
            let queued = &self.queued;
            self.queue.retain(|(invoice, _)| queued.contains(invoice));
        }
    }

    fn release(&mut self, number: u64) {
        if let Some((invoice, _)) = self.reservations.remove(&number) {
            self.holders.remove(&invoice);
        }
    }
}

impl Aggregate for Series {
    type Command = SeriesCommand;
    type Event = SeriesEvent;
    type Error = SeriesError;

    fn decide(
        &self,
        command: SeriesCommand,
        ctx: &Context,
    ) -> Result<Vec<SeriesEvent>, SeriesError> {
        decide::decide(self, command, ctx)
    }

    fn evolve(mut self, event: &SeriesEvent) -> Self {
        match event {
            SeriesEvent::Opened(e) => {
                self.status = Some(SeriesStatus::Open);
                self.last_confirmed = e.last_authorized;
                self.parked = None;
            }
            SeriesEvent::NumbersReserved(e) => {
                for r in &e.reservations {
                    self.reservations
                        .insert(r.number, (r.invoice_id, r.content_digest));
                    self.holders.insert(r.invoice_id, r.number);
                }
                self.dequeue(e.reservations.iter().map(|r| r.invoice_id));
            }
            SeriesEvent::SubmissionStarted(e) => {
                self.in_flight = Some((e.from, e.to));
                self.owed.clear();
                self.parked = None;
            }
            SeriesEvent::SubmissionCompleted(e) => {
                if e.results
                    .iter()
                    .any(|r| r.outcome != DetailOutcome::NotProcessed)
                {
                    self.failures = 0;
                }
                for result in &e.results {
                    self.owe_outcome(result.number, &result.outcome);
                    match result.outcome {
                        DetailOutcome::Authorized { .. } => self.confirm(result.number),
                        DetailOutcome::Rejected { .. } => self.settle(result.number),
                        DetailOutcome::NotProcessed => {}
                    }
                }
                self.in_flight = None;
            }
            SeriesEvent::NumbersReleased(e) => {
                for released in &e.invoices {
                    if let Some(&(invoice, digest)) = self.reservations.get(&released.number) {
                        self.owed.owe(
                            invoice,
                            Owed::Renumber {
                                digest,
                                reason: e.reason,
                            },
                        );
                    }
                    self.release(released.number);
                }
            }
            SeriesEvent::Blocked(e) => {
                self.status = Some(SeriesStatus::Blocked);
                self.failures = self.failures.saturating_add(1);
                self.last_failure = Some(e.reason);
                let in_doubt: Vec<InvoiceId> = self
                    .reservations
                    .range(e.from..=e.to)
                    .map(|(_, &(invoice, _))| invoice)
                    .collect();
                for invoice in in_doubt {
                    self.owed.owe(invoice, Owed::Unknown(e.reason));
                }
            }
            SeriesEvent::NumbersRecovered(e) => {
                if !e.numbers.is_empty() {
                    self.failures = 0;
                }
                for recovered in &e.numbers {
                    self.owed.owe(
                        recovered.invoice_id,
                        Owed::Cae {
                            number: recovered.number,
                            cae: recovered.cae.clone(),
                            cae_due_date: recovered.cae_due_date,
                            observations: Vec::new(),
                        },
                    );
                    self.confirm(recovered.number);
                }
            }
            SeriesEvent::Unblocked(_) => {
                self.status = Some(SeriesStatus::Open);
                self.in_flight = None;
            }
            SeriesEvent::Halted(e) => {
                self.status = Some(SeriesStatus::Halted);
                self.halt = Some(e.clone());
            }
            SeriesEvent::Resumed(e) => {
                self.status = Some(SeriesStatus::Open);
                self.last_confirmed = e.last_authorized;
                self.in_flight = None;
                self.halt = None;
                self.stall = None;
                self.resume_requested = false;
                self.failures = 0;
                self.last_failure = None;
                self.parked = None;
            }
            SeriesEvent::RequestsQueued(e) => {
                for r in &e.invoices {
                    if self.queued.insert(r.invoice_id) {
                        self.queue.push((r.invoice_id, r.content_digest));
                    }
                }
            }
            SeriesEvent::Parked(e) => self.parked = Some(e.reason),
            SeriesEvent::Stalled(e) => {
                self.status = Some(SeriesStatus::Halted);
                self.in_flight = None;
                self.stall = Some(*e);
            }
            SeriesEvent::ResumeRequested(_) => self.resume_requested = true,
        }
        self
    }
}
