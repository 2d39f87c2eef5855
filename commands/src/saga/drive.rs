//! One series forward: submit the next batch, record ARCA's answer, reconcile when in doubt.

use domain::series::{
    CompleteSubmission, DetailOutcome, MAX_BATCH, NumberOutcome, OpenSeries, Owed, ParkReason,
    ParkSeries, Reconcile, RecordUncertainOutcome, ReserveQueued, ResumeSeries, Series,
    SeriesError, SeriesKey, SeriesStatus, StartSubmission, UncertainReason,
};
use domain::{DomainError, InvoiceId, TenantId};

use crate::CommandError;

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
    /// Why the series could not go on, when it is parked (the drive stopped there).
    pub parked: Option<ParkReason>,
    /// A submission's answer was lost in this drive: the next drive (which reconciles) should
    /// wait a while, growing with the failures in a row.
    pub setback: bool,
}

impl Saga {
    /// Takes the series forward until it has nothing left to send, is parked or halted, or a
    /// submission's answer was lost (the caller drives it again after a pause, which
    /// reconciles).
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
                None if series.queue().is_empty() => return Ok(report),
                None => {
                    if !self.open(tenant, key, &mut report).await? {
                        return Ok(report);
                    }
                }
                Some(SeriesStatus::Halted) if series.resume_requested() => {
                    self.resume(tenant, key).await?;
                }
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
                Some(SeriesStatus::Open) if !series.queue().is_empty() => {
                    self.series_command(tenant, key, ReserveQueued).await?;
                }
                Some(SeriesStatus::Open) => {
                    if !self.submit_next(tenant, key, &series, &mut report).await? {
                        return Ok(report);
                    }
                    if report.setback {
                        return Ok(report);
                    }
                }
            }
        }
    }

    /// Opens the series at ARCA's last authorized number; `false` when the issuer's certificate
    /// keeps it parked (recorded, with the reason).
    async fn open(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        report: &mut Drive,
    ) -> Result<bool, SagaError> {
        let last_authorized = match self.gateway.last_authorized(tenant, key).await {
            Ok(last) => last,
            Err(error) => {
                return self
                    .park_for(tenant, key, error, report)
                    .await
                    .map(|()| false);
            }
        };
        match self
            .series_command(tenant, key, OpenSeries { last_authorized })
            .await
        {
            // Another worker opened it in the meantime.
            Ok(_)
            | Err(SagaError::Command(CommandError::Rejected(DomainError::Series(
                SeriesError::AlreadyOpened,
            )))) => Ok(true),
            Err(other) => Err(other),
        }
    }

    /// Parks the series when `error` is the issuer's certificate problem (and returns), or
    /// passes `error` on.
    async fn park_for(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        error: GatewayError,
        report: &mut Drive,
    ) -> Result<(), SagaError> {
        let reason = match &error {
            GatewayError::NoCertificate(_) => ParkReason::WaitingForCertificate,
            GatewayError::CertificateRefused(_) => ParkReason::CertificateRefused,
            _ => return Err(error.into()),
        };
        let detail = error.to_string();
        let series = self
            .series_command(tenant, key, ParkSeries { reason, detail })
            .await?;
        tracing::info!(reason = reason.as_str(), %error, "the series waits for its issuer's certificate");
        report.parked = series.waiting_reason();
        Ok(())
    }

    /// Resumes the halted series after ARCA's last authorized number, as an operator asked.
    async fn resume(&self, tenant: TenantId, key: &SeriesKey) -> Result<(), SagaError> {
        let last_authorized = self.gateway.last_authorized(tenant, key).await?;
        let series = self
            .series_command(tenant, key, ResumeSeries { last_authorized })
            .await?;
        tracing::warn!(
            last_authorized,
            "the halted series was resumed, as an operator asked"
        );
        self.follow_up(tenant, key, &series, None).await
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
        if let Err(error) = self.gateway.ready(tenant, key).await {
            self.park_for(tenant, key, error, report).await?;
            return Ok(false);
        }
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
                tracing::warn!(
                    from = first,
                    to = last,
                    "ARCA answered 10016 (not the next number); the series is blocked until reconciled"
                );
                self.uncertain(tenant, key, UncertainReason::OutOfSequence, "error 10016")
                    .await?;
                report.setback = true;
            }
            Ok(answer) => self.complete(tenant, key, answer, report).await?,
            Err(error) => {
                tracing::warn!(%error, from = first, to = last, "no answer from ARCA; the series is blocked until reconciled");
                let reason = match &error {
                    GatewayError::Uncertain { reason, .. } => *reason,
                    _ => UncertainReason::ConnectionDropped,
                };
                self.uncertain(tenant, key, reason, &error.to_string())
                    .await?;
                report.setback = true;
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
            return Err(SagaError::Command(CommandError::Unexpected(
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
        if let Some(stall) = series.stall() {
            tracing::error!(
                reason = ?stall.reason,
                failures = stall.failures,
                from = stall.from,
                to = stall.to,
                "the series stalled: its submissions failed too often in a row; it waits for an operator (POST /v1/taxpayers/{{cuit}}/series/{{pos}}/{{type}}/resume or `arca series resume`)"
            );
            report.halted = true;
        }
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
