//! The invoice side of the saga: lifecycle commands that tolerate being sent twice, so a step
//! repeated after a crash finds its earlier effect and moves on.

use domain::TenantId;
use domain::invoice::{
    ArcaMessage, Invoice, InvoiceCommand, InvoiceRequested, InvoiceStatus, MarkSubmitted,
    RecordCae, RecordRejection, RecordUnknownOutcome, ReleaseNumber,
};
use domain::{DomainError, InvoiceId};

use super::{Saga, SagaError};
use crate::handler::{self, Command, CommandError, EventIds};

/// What the saga asks of one invoice.
#[derive(Debug, Clone)]
pub(super) enum Step {
    /// Sent under `number`: the invoice learns its number here.
    Submit {
        number: u64,
        request_hash: String,
    },
    Grant(RecordCae),
    Reject {
        errors: Vec<ArcaMessage>,
        observations: Vec<ArcaMessage>,
    },
    Unknown(String),
    Release(String),
}

impl Step {
    /// Whether `invoice` already shows this step's effect (a repeat after a crash).
    fn done_in(&self, invoice: &Invoice) -> bool {
        use InvoiceStatus::*;
        let status = invoice.status();
        match self {
            Self::Submit { number, .. } => {
                matches!(
                    status,
                    Some(Submitted | OutcomeUnknown | Authorized | Rejected)
                ) && invoice.number() == Some(*number)
            }
            Self::Grant(_) => status == Some(Authorized),
            Self::Reject { .. } => status == Some(Rejected),
            // Not sent yet (a worker stopped before marking it): nothing is in doubt.
            Self::Unknown(_) => matches!(
                status,
                Some(Requested | Numbered | OutcomeUnknown | Authorized | Rejected)
            ),
            Self::Release(_) => matches!(status, Some(Requested | Rejected)),
        }
    }

    fn command(self) -> InvoiceCommand {
        match self {
            Self::Submit {
                number,
                request_hash,
            } => MarkSubmitted {
                number,
                request_hash,
            }
            .into(),
            Self::Grant(record) => record.into(),
            Self::Reject {
                errors,
                observations,
            } => RecordRejection {
                errors,
                observations,
            }
            .into(),
            Self::Unknown(reason) => RecordUnknownOutcome { reason }.into(),
            Self::Release(reason) => ReleaseNumber { reason }.into(),
        }
    }
}

impl Saga {
    fn step_command(tenant: TenantId, id: InvoiceId, step: &Step) -> Command<Invoice> {
        Command {
            stream: Invoice::stream_id(id),
            command: step.clone().command(),
            metadata: Self::metadata(tenant),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        }
    }

    /// Applies one step per invoice unless the invoice already shows its effect: every stream
    /// read in one go, every append handed to the store at once (its group commit batches them).
    pub(super) async fn invoice_steps(
        &self,
        tenant: TenantId,
        steps: impl IntoIterator<Item = (InvoiceId, Step)>,
    ) -> Result<(), SagaError> {
        let steps: Vec<(InvoiceId, Step)> = steps.into_iter().collect();
        if steps.is_empty() {
            return Ok(());
        }
        let commands = steps
            .iter()
            .map(|(id, step)| {
                let known = self.invoices.get(&(tenant, *id));
                (Self::step_command(tenant, *id, step), known)
            })
            .collect();
        let answers = handler::execute_many(
            &self.store,
            &self.metrics,
            &self.context(),
            tenant,
            commands,
        )
        .await?;
        let mut refused = Vec::new();
        for ((id, step), answer) in steps.into_iter().zip(answers) {
            match answer {
                Ok(done) => self.keep_invoice(tenant, id, &done.state, done.version),
                Err(CommandError::Rejected(refusal)) => refused.push((id, step, refusal)),
                Err(other) => return Err(other.into()),
            }
        }
        self.check_refusals(tenant, refused).await
    }

    /// A refused step is fine when the invoice already shows its effect (a repeat after a
    /// crash); otherwise it is a bug, reported.
    async fn check_refusals(
        &self,
        tenant: TenantId,
        refused: Vec<(InvoiceId, Step, DomainError)>,
    ) -> Result<(), SagaError> {
        if refused.is_empty() {
            return Ok(());
        }
        let ids: Vec<InvoiceId> = refused.iter().map(|(id, ..)| *id).collect();
        let invoices = self.read_invoices(tenant, &ids).await?;
        for ((id, step, refusal), (invoice, at)) in refused.into_iter().zip(invoices) {
            self.keep_invoice(tenant, id, &invoice, at);
            if step.done_in(&invoice) {
                continue;
            }
            let code = refusal.code();
            tracing::error!(invoice = %id.as_uuid(), code, detail = %refusal, ?step, "the invoice refused a saga step");
            return Err(CommandError::Unexpected(
                anyhow::Error::new(refusal)
                    .context(format!("invoice {} refused {step:?}", id.as_uuid())),
            )
            .into());
        }
        Ok(())
    }

    /// Keeps an invoice's state for its next step, or forgets it once it reached its end.
    fn keep_invoice(&self, tenant: TenantId, id: InvoiceId, invoice: &Invoice, at: Option<u64>) {
        match invoice.status() {
            Some(InvoiceStatus::Authorized | InvoiceStatus::Rejected) => {
                self.invoices.remove(&(tenant, id));
            }
            _ => self.invoices.put((tenant, id), invoice, at),
        }
    }

    /// The invoices' requests, from the states this process kept, the ones it does not hold
    /// read in one go (and kept for their next steps).
    pub(super) async fn kept_requests(
        &self,
        tenant: TenantId,
        ids: &[InvoiceId],
    ) -> Result<Vec<InvoiceRequested>, SagaError> {
        let kept: Vec<Option<Invoice>> = ids
            .iter()
            .map(|id| {
                self.invoices
                    .get(&(tenant, *id))
                    .map(|(invoice, _)| invoice)
            })
            .collect();
        let missing: Vec<InvoiceId> = ids
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| kept.is_none())
            .map(|(id, _)| *id)
            .collect();
        let mut read = self.read_invoices(tenant, &missing).await?.into_iter();
        ids.iter()
            .zip(kept)
            .map(|(id, kept)| {
                let invoice = match kept {
                    Some(invoice) => invoice,
                    None => {
                        let (invoice, at) = read.next().ok_or_else(|| {
                            CommandError::Unexpected(anyhow::anyhow!("invoice {id} was not read"))
                        })?;
                        self.keep_invoice(tenant, *id, &invoice, at);
                        invoice
                    }
                };
                let request = invoice.request().cloned().ok_or_else(|| {
                    CommandError::Unexpected(anyhow::anyhow!("invoice {id} has no request"))
                })?;
                Ok(request)
            })
            .collect()
    }

    /// The invoices folded from their streams, read in one go, with their versions.
    pub(super) async fn read_invoices(
        &self,
        tenant: TenantId,
        ids: &[InvoiceId],
    ) -> Result<Vec<(Invoice, Option<u64>)>, SagaError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let streams: Vec<_> = ids.iter().map(|id| Invoice::stream_id(*id)).collect();
        let read = self
            .store
            .read_streams(tenant, &streams)
            .await
            .map_err(CommandError::from)?;
        read.iter()
            .map(|events| Ok(handler::fold::<Invoice>(events)?))
            .collect()
    }
}
