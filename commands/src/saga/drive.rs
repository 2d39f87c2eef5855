//! One series forward: submit the next batch, record ARCA's answer, reconcile when in doubt.

use domain::series::{
    CompleteSubmission, DetailOutcome, MAX_BATCH, NumberOutcome, Owed, Reconcile,
    RecordUncertainOutcome, Series, SeriesKey, SeriesStatus, StartSubmission, UncertainReason,
};
use domain::{InvoiceId, TenantId};

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
        let mut first = true;
        loop {
            if !self.gateway.accepting() {
                return Err(GatewayError::NotSent("circuit open".into()).into());
            }
            let (series, _) = self.load_series(tenant, key).await?;
            if first {
                // A worker may have stopped between an outcome and its invoices.
                self.follow_up(tenant, key, &series, None).await?;
                first = false;
            }
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
                    let series = self.series_command(tenant, key, crash).await?;
                    self.follow_up(tenant, key, &series, None).await?;
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
        let ids: Vec<InvoiceId> = pending.iter().map(|(_, id)| *id).collect();
        // The invoices learn their numbers as they are marked submitted, below.
        let requests = self.kept_requests(tenant, &ids).await?;
        let vouchers: Vec<Voucher> = pending
            .iter()
            .zip(requests)
            .map(|((number, _), request)| Voucher {
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
                self.uncertain(tenant, key, UncertainReason::OutOfSequence, "error 10016")
                    .await?;
            }
            Ok(answer) => self.complete(tenant, key, answer, report).await?,
            Err(error) => {
                tracing::warn!(%error, from = first, to = last, "no answer from ARCA; the series is blocked until reconciled");
                let reason = match &error {
                    GatewayError::Uncertain { reason, .. } => *reason,
                    GatewayError::NotSent(_) | GatewayError::Failed(_) => {
                        UncertainReason::ConnectionDropped
                    }
                };
                self.uncertain(tenant, key, reason, &error.to_string())
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
        reason: UncertainReason,
        detail: &str,
    ) -> Result<(), SagaError> {
        let series = self
            .series_command(tenant, key, RecordUncertainOutcome { reason })
            .await?;
        self.follow_up(tenant, key, &series, Some(detail)).await
    }

    /// Records ARCA's answer on the series, then on each invoice; numbers again the invoices
    /// whose numbers were given back.
    async fn complete(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        answer: BatchAnswer,
        report: &mut Drive,
    ) -> Result<(), SagaError> {
        for NumberOutcome { outcome, .. } in &answer.results {
            match outcome {
                DetailOutcome::Authorized { .. } => report.authorized += 1,
                DetailOutcome::Rejected { .. } => report.rejected += 1,
                DetailOutcome::NotProcessed => {}
            }
        }
        let record = CompleteSubmission {
            response_hash: answer.response_hash,
            results: answer.results,
        };
        let series = self.series_command(tenant, key, record).await?;
        self.follow_up(tenant, key, &series, None).await
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
        let series = self
            .series_command(tenant, key, Reconcile { findings })
            .await?;
        report.reconciliations += 1;
        let recovered = series
            .owed()
            .iter()
            .filter(|(_, owed)| matches!(owed, Owed::Cae { .. }))
            .count();
        let recovered = u32::try_from(recovered).unwrap_or(u32::MAX);
        report.recovered += recovered;
        report.authorized += recovered;
        self.follow_up(tenant, key, &series, None).await
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
