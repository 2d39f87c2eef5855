//! The invoice side of the saga: lifecycle commands that tolerate being sent twice, so a step
//! repeated after a crash finds its earlier effect and moves on.

use domain::InvoiceId;
use domain::TenantId;
use domain::invoice::{
    ArcaMessage, AssignNumber, Invoice, InvoiceCommand, InvoiceStatus, MarkSubmitted, RecordCae,
    RecordRejection, RecordUnknownOutcome, ReleaseNumber,
};
use futures::future::try_join_all;

use super::{Saga, SagaError};
use crate::handler::{self, Command, CommandError, EventIds};

/// What the saga asks of one invoice.
#[derive(Debug, Clone)]
pub(super) enum Step {
    Assign(u64),
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
            Self::Assign(n) => status != Some(Requested) && invoice.number() == Some(*n),
            Self::Submit { number, .. } => {
                matches!(
                    status,
                    Some(Submitted | OutcomeUnknown | Authorized | Rejected)
                ) && invoice.number() == Some(*number)
            }
            Self::Grant(_) => status == Some(Authorized),
            Self::Reject { .. } => status == Some(Rejected),
            Self::Unknown(_) => matches!(status, Some(OutcomeUnknown | Authorized | Rejected)),
            Self::Release(_) => matches!(status, Some(Requested | Rejected)),
        }
    }

    fn command(self) -> InvoiceCommand {
        match self {
            Self::Assign(number) => AssignNumber { number }.into(),
            Self::Submit { request_hash, .. } => MarkSubmitted { request_hash }.into(),
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
    /// Applies `step` to the invoice unless it already shows its effect.
    pub(super) async fn invoice_step(
        &self,
        tenant: TenantId,
        id: InvoiceId,
        step: Step,
    ) -> Result<(), SagaError> {
        let command = Command::<Invoice> {
            stream: Invoice::stream_id(id),
            command: step.clone().command(),
            metadata: Self::metadata(tenant),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        };
        match handler::execute(&self.store, &self.metrics, &self.context(), command).await {
            Ok(_) => Ok(()),
            Err(CommandError::Rejected { code, detail, .. }) => {
                let (invoice, _) = self.request_of(tenant, id).await?;
                if step.done_in(&invoice) {
                    return Ok(());
                }
                tracing::error!(invoice = %id.as_uuid(), code, detail, ?step, "the invoice refused a saga step");
                Err(CommandError::Unexpected(anyhow::anyhow!(
                    "invoice {} refused {step:?}: {code}",
                    id.as_uuid()
                ))
                .into())
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Applies one step per invoice, concurrently (the store's group commit batches them).
    pub(super) async fn invoice_steps(
        &self,
        tenant: TenantId,
        steps: impl IntoIterator<Item = (InvoiceId, Step)>,
    ) -> Result<(), SagaError> {
        try_join_all(
            steps
                .into_iter()
                .map(|(id, step)| self.invoice_step(tenant, id, step)),
        )
        .await?;
        Ok(())
    }

    /// Assigns reserved numbers to their invoices.
    pub(super) async fn assign_all(
        &self,
        tenant: TenantId,
        numbered: impl Iterator<Item = (InvoiceId, u64)>,
    ) -> Result<(), SagaError> {
        self.invoice_steps(tenant, numbered.map(|(id, n)| (id, Step::Assign(n))))
            .await
    }
}
