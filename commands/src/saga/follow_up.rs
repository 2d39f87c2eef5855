//! Bringing the invoices in line with their series: what the series' latest outcome owes them
//! ([`Series::owed`]) is applied right after it is recorded, and again by the next driver when
//! a worker stopped in between. Each step is a no-op on an invoice that already shows it, and
//! a process remembers which outcome it applied last per series, so a steady drive pays nothing.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use domain::invoice::RecordCae;
use domain::series::{
    ContentDigest, MAX_BATCH, Owed, ReleaseReason, ReserveNumbers, Series, SeriesKey,
    UncertainReason,
};
use domain::{InvoiceId, TenantId};

use super::invoices::Step;
use super::{Saga, SagaError};

/// Per series, the [`Series::owed_serial`] this process applied last.
#[derive(Debug, Default)]
pub(super) struct Applied(Mutex<HashMap<(TenantId, SeriesKey), u64>>);

impl Applied {
    fn contains(&self, tenant: TenantId, key: &SeriesKey, serial: u64) -> bool {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(tenant, *key)) == Some(&serial)
    }

    fn insert(&self, tenant: TenantId, key: &SeriesKey, serial: u64) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert((tenant, *key), serial);
    }
}

fn release_text(reason: ReleaseReason) -> &'static str {
    match reason {
        ReleaseReason::SubmissionFailed => "ARCA refused an earlier voucher of the series",
        ReleaseReason::SeriesResumed => "the series was resumed at another number",
    }
}

fn doubt_text(reason: UncertainReason) -> &'static str {
    match reason {
        UncertainReason::Timeout => "ARCA did not answer in time",
        UncertainReason::ConnectionDropped => "the connection to ARCA dropped",
        UncertainReason::Crash => "a worker stopped while ARCA was being asked",
        UncertainReason::OutOfSequence => "ARCA answered that the number was not the next one",
    }
}

impl Saga {
    /// Applies what `series` owes its invoices, unless this process already did at this point
    /// of the series: CAEs, rejections, doubts (with `detail` when the caller knows more than
    /// the reason), and numbers given back — released on the invoice, reserved again in their
    /// former order, and assigned.
    pub(super) async fn follow_up(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        series: &Series,
        detail: Option<&str>,
    ) -> Result<(), SagaError> {
        let serial = series.owed_serial();
        if self.applied.contains(tenant, key, serial) {
            return Ok(());
        }
        let mut steps = Vec::new();
        let mut renumber: Vec<(InvoiceId, ContentDigest)> = Vec::new();
        for (id, owed) in series.owed() {
            let step = match owed {
                Owed::Cae {
                    number,
                    cae,
                    cae_due_date,
                    observations,
                } => Step::Grant(RecordCae {
                    number: *number,
                    cae: cae.clone(),
                    cae_due_date: *cae_due_date,
                    observations: observations.clone(),
                }),
                Owed::Rejection {
                    errors,
                    observations,
                } => Step::Reject {
                    errors: errors.clone(),
                    observations: observations.clone(),
                },
                Owed::Unknown(reason) => {
                    Step::Unknown(detail.unwrap_or(doubt_text(*reason)).to_owned())
                }
                Owed::Renumber { digest, reason } => {
                    renumber.push((*id, *digest));
                    // Holding a number again means it was released and reserved already.
                    if series.number_of(*id).is_some() {
                        continue;
                    }
                    Step::Release(release_text(*reason).to_owned())
                }
            };
            steps.push((*id, step));
        }
        self.invoice_steps(tenant, steps).await?;
        self.renumber(tenant, key, series, &renumber).await?;
        self.applied.insert(tenant, key, serial);
        Ok(())
    }

    /// Reserves new numbers for released invoices, in their former order (the series skips an
    /// invoice that holds a number again); each learns its new number when it is sent.
    async fn renumber(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        series: &Series,
        invoices: &[(InvoiceId, ContentDigest)],
    ) -> Result<(), SagaError> {
        if invoices.is_empty() {
            return Ok(());
        }
        let mut series = series.clone();
        for chunk in invoices.chunks(MAX_BATCH) {
            let unnumbered: Vec<(InvoiceId, ContentDigest)> = chunk
                .iter()
                .filter(|(id, _)| series.number_of(*id).is_none() && !series.settled(*id))
                .copied()
                .collect();
            if !unnumbered.is_empty() {
                let reserve = ReserveNumbers {
                    invoices: unnumbered,
                };
                series = self.series_command(tenant, key, reserve).await?;
            }
        }
        Ok(())
    }
}
