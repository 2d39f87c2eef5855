//! One series forward: submit the next batch, record ARCA's answer, reconcile when in doubt.

use domain::invoice::RecordCae;
use domain::series::{
    CompleteSubmission, DetailOutcome, Finding, MAX_BATCH, NumberOutcome, Reconcile,
    RecordUncertainOutcome, ReserveNumbers, Series, SeriesKey, SeriesStatus, StartSubmission,
    UncertainReason,
};
use domain::{InvoiceId, TenantId};
use futures::future::try_join_all;

use super::gateway::{BatchAnswer, GatewayError, Voucher};
use super::invoices::Step;
use super::{Saga, SagaError};

/// ARCA's "not the next number" error.
const OUT_OF_SEQUENCE: u32 = 10016;

/// What [`Saga::drive`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drive {
    /// `FECAESolicitar` calls made.
    pub submissions: u32,
    /// Invoices authorized (including recovered ones).
    pub authorized: u32,
    /// Invoices finally rejected.
    pub rejected: u32,
    /// Reconciliations run (a blocked series settled with `FECompConsultar`).
    pub reconciliations: u32,
    /// Numbers recovered by a reconciliation (authorized by ARCA, answer lost).
    pub recovered: u32,
    /// The series is halted and waits for an operator.
    pub halted: bool,
}

impl Saga {
    /// Takes the series forward until it has nothing left to send (or is halted).
    ///
    /// Must run for a series in one process at a time: the caller holds its lease. A submission
    /// found in flight is therefore one whose worker stopped, and is reconciled.
    ///
    /// # Errors
    /// Store failures, refusals that mean a bug, and ARCA unreachable while the series needs it:
    /// call again later; every step is recorded, so the next call continues where this one stopped.
    #[tracing::instrument(skip(self), fields(series = %key.stream_id()))]
    pub async fn drive(&self, tenant: TenantId, key: &SeriesKey) -> Result<Drive, SagaError> {
        let mut report = Drive::default();
        loop {
            let (series, _) = self.load_series(tenant, key).await?;
            match series.status() {
                None => return Ok(report),
                Some(SeriesStatus::Halted) => {
                    report.halted = true;
                    return Ok(report);
                }
                Some(SeriesStatus::Blocked) => {
                    self.reconcile(tenant, key, &series, &mut report).await?;
                }
                Some(SeriesStatus::Open) if series.in_flight().is_some() => {
                    tracing::warn!("a submission was left without an outcome; reconciling");
                    let crash = RecordUncertainOutcome {
                        reason: UncertainReason::Crash,
                    };
                    self.series_command(tenant, key, crash).await?;
                }
                Some(SeriesStatus::Open) => {
                    if !self.submit_next(tenant, key, &series, &mut report).await? {
                        return Ok(report);
                    }
                }
            }
        }
    }

    /// Sends the lowest reserved numbers; `false` when there is nothing to send.
    async fn submit_next(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        series: &Series,
        report: &mut Drive,
    ) -> Result<bool, SagaError> {
        let from = series.last_confirmed() + 1;
        let pending: Vec<(u64, InvoiceId)> = series
            .reservations()
            .map(|(n, id, _)| (n, id))
            .skip_while(|(n, _)| *n < from)
            .zip(from..)
            .take_while(|((n, _), expected)| n == expected)
            .map(|(reserved, _)| reserved)
            .take(MAX_BATCH)
            .collect();
        let (Some(&(first, _)), Some(&(last, _))) = (pending.first(), pending.last()) else {
            return Ok(false);
        };
        let loaded =
            try_join_all(pending.iter().map(|(_, id)| self.request_of(tenant, *id))).await?;
        // A worker may have stopped between reserving and assigning: assign before sending.
        let unassigned = pending
            .iter()
            .zip(&loaded)
            .filter(|(_, (invoice, _))| invoice.number().is_none());
        self.assign_all(tenant, unassigned.map(|((n, id), _)| (*id, *n)))
            .await?;
        let vouchers: Vec<Voucher> = pending
            .iter()
            .zip(loaded)
            .map(|((number, _), (_, request))| Voucher {
                number: *number,
                request,
            })
            .collect();
        let request_hash = self.gateway.request_hash(key, &vouchers);
        let intent = StartSubmission {
            from: first,
            to: last,
            request_hash: request_hash.clone(),
        };
        self.series_command(tenant, key, intent).await?;
        let submit = |(n, id): &(u64, InvoiceId)| {
            (
                *id,
                Step::Submit {
                    number: *n,
                    request_hash: request_hash.clone(),
                },
            )
        };
        self.invoice_steps(tenant, pending.iter().map(submit))
            .await?;
        report.submissions += 1;
        match self.gateway.authorize(tenant, key, &vouchers).await {
            Ok(answer) if out_of_sequence(&answer) => {
                self.uncertain(
                    tenant,
                    key,
                    &pending,
                    UncertainReason::OutOfSequence,
                    "error 10016",
                )
                .await?;
            }
            Ok(answer) => {
                self.complete(tenant, key, series, &pending, answer, report)
                    .await?
            }
            Err(error) => {
                tracing::warn!(%error, from = first, to = last, "no answer from ARCA; the series is blocked until reconciled");
                let reason = match &error {
                    GatewayError::Uncertain { reason, .. } => *reason,
                    GatewayError::NotSent(_) | GatewayError::Failed(_) => {
                        UncertainReason::ConnectionDropped
                    }
                };
                self.uncertain(tenant, key, &pending, reason, &error.to_string())
                    .await?;
            }
        }
        Ok(true)
    }

    /// Records a lost answer: the series blocks, the invoices wait for the reconciliation.
    async fn uncertain(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        pending: &[(u64, InvoiceId)],
        reason: UncertainReason,
        detail: &str,
    ) -> Result<(), SagaError> {
        self.series_command(tenant, key, RecordUncertainOutcome { reason })
            .await?;
        let step = |(_, id): &(u64, InvoiceId)| (*id, Step::Unknown(detail.to_owned()));
        self.invoice_steps(tenant, pending.iter().map(step)).await
    }

    /// Records ARCA's answer on the series, then on each invoice; renumbers the invoices whose
    /// numbers were given back.
    async fn complete(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        before: &Series,
        pending: &[(u64, InvoiceId)],
        answer: BatchAnswer,
        report: &mut Drive,
    ) -> Result<(), SagaError> {
        let results = answer.results.clone();
        let record = CompleteSubmission {
            response_hash: answer.response_hash,
            results: answer.results,
        };
        self.series_command(tenant, key, record).await?;
        let first_failed = results
            .iter()
            .find(|r| !r.outcome.is_authorized())
            .map(|r| r.number);
        let mut steps = Vec::with_capacity(pending.len());
        for NumberOutcome { number, outcome } in results {
            let Some(&(_, id)) = pending.iter().find(|(n, _)| *n == number) else {
                continue;
            };
            let step = match outcome {
                DetailOutcome::Authorized {
                    cae,
                    cae_due_date,
                    observations,
                } => {
                    report.authorized += 1;
                    Step::Grant(RecordCae {
                        number,
                        cae,
                        cae_due_date,
                        observations,
                    })
                }
                DetailOutcome::Rejected {
                    errors,
                    observations,
                } => {
                    report.rejected += 1;
                    Step::Reject {
                        errors,
                        observations,
                    }
                }
                DetailOutcome::NotProcessed => {
                    Step::Release("an earlier voucher of the batch was refused".to_owned())
                }
            };
            steps.push((id, step));
        }
        // Reservations above the batch were given back too: their numbers move down.
        let last = pending.last().map_or(0, |(n, _)| *n);
        let later: Vec<(u64, InvoiceId)> = match first_failed {
            Some(_) => before
                .reservations()
                .filter(|(n, ..)| *n > last)
                .map(|(n, id, _)| (n, id))
                .collect(),
            None => Vec::new(),
        };
        steps.extend(later.iter().map(|(_, id)| {
            (
                *id,
                Step::Release("an earlier voucher was refused".to_owned()),
            )
        }));
        self.invoice_steps(tenant, steps.iter().cloned()).await?;
        let renumber: Vec<InvoiceId> = steps
            .iter()
            .filter(|(_, step)| matches!(step, Step::Release(_)))
            .map(|(id, _)| *id)
            .collect();
        self.renumber(tenant, key, before, &renumber).await
    }

    /// Reserves new numbers for released invoices, in their former order, and assigns them.
    async fn renumber(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        before: &Series,
        invoices: &[InvoiceId],
    ) -> Result<(), SagaError> {
        for chunk in invoices.chunks(MAX_BATCH) {
            let reserve = ReserveNumbers {
                invoices: chunk
                    .iter()
                    .filter_map(|id| {
                        let (_, _, digest) = before.reservations().find(|(_, i, _)| i == id)?;
                        Some((*id, digest))
                    })
                    .collect(),
            };
            if reserve.invoices.is_empty() {
                continue;
            }
            let series = self.series_command(tenant, key, reserve).await?;
            let numbered = chunk
                .iter()
                .filter_map(|id| Some((*id, series.number_of(*id)?)));
            self.assign_all(tenant, numbered).await?;
        }
        Ok(())
    }

    /// Asks ARCA what it holds at every number in doubt and settles the series with it.
    async fn reconcile(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        series: &Series,
        report: &mut Drive,
    ) -> Result<(), SagaError> {
        let Some(range) = series.in_flight() else {
            return Err(SagaError::Command(crate::CommandError::Unexpected(
                anyhow::anyhow!(
                    "series {} is blocked with nothing in flight",
                    key.stream_id()
                ),
            )));
        };
        let mut findings = Vec::new();
        for number in range {
            findings.push((number, self.gateway.consult(tenant, key, number).await?));
        }
        self.series_command(
            tenant,
            key,
            Reconcile {
                findings: findings.clone(),
            },
        )
        .await?;
        report.reconciliations += 1;
        let mut recovered = Vec::new();
        for (number, finding) in findings {
            let (
                Finding::Found {
                    fingerprint,
                    cae,
                    cae_due_date,
                },
                Some((id, digest)),
            ) = (finding, series.reservation(number))
            else {
                continue;
            };
            if digest.at(number) == fingerprint {
                let observations = Vec::new();
                recovered.push((
                    id,
                    Step::Grant(RecordCae {
                        number,
                        cae,
                        cae_due_date,
                        observations,
                    }),
                ));
            }
        }
        report.recovered += u32::try_from(recovered.len()).unwrap_or(u32::MAX);
        report.authorized += u32::try_from(recovered.len()).unwrap_or(u32::MAX);
        self.invoice_steps(tenant, recovered).await
    }
}

/// ARCA refused the first detail as not the next number: our view of the series may be wrong.
fn out_of_sequence(answer: &BatchAnswer) -> bool {
    answer
        .results
        .first()
        .is_some_and(|first| match &first.outcome {
            DetailOutcome::Rejected { errors, .. } => {
                errors.iter().any(|e| e.code == OUT_OF_SEQUENCE)
            }
            _ => false,
        })
}
