//! [`SubscriptionControl`] over the event store: the invoice and subscription aggregates decide,
//! through the command layer's handler.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use commands::CommandMetrics;
use commands::handler::{Command, EventIds, execute, execute_in_turn, fold};
use domain::invoice::{Invoice, InvoiceCommand, RecordWebhookOutcome};
use domain::webhook::{
    DeliveryExhausted, DisableReason, DisableSubscription, Subscription, SubscriptionCommand,
    SubscriptionEvent,
};
use domain::{
    Context, DomainEvent as _, EventMetadata, InvoiceId, NewEvent, StreamId, SubscriptionId,
    TenantId,
};
use eventstore::{EventStore, ExpectedVersion, StoreError};
use futures::future::join_all;
use time::OffsetDateTime;
use uuid::Uuid;

use super::followup::{Exhausted, SubscriptionControl};

/// Who the engine's events name as their actor.
const ACTOR: &str = "webhooks:delivery";

/// Ids of the engine's own events, derived so that a repeated append is recognised.
const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x8c4a_51e2_07d3_4b9f_a6e1_2f3c_4d5e_6f70);

/// Appends through the store, deciding on the aggregates.
#[derive(Clone)]
pub struct StoreControl {
    store: Arc<dyn EventStore>,
    metrics: CommandMetrics,
}

impl StoreControl {
    /// Over `store`, counting commands in `metrics`.
    #[must_use]
    pub fn new(store: Arc<dyn EventStore>, metrics: CommandMetrics) -> Self {
        Self { store, metrics }
    }

    fn outcome_command(
        tenant: TenantId,
        invoice: InvoiceId,
        outcome: RecordWebhookOutcome,
    ) -> Command<Invoice> {
        let delivery = match &outcome {
            RecordWebhookOutcome::Delivered(e) => e.delivery_id,
            RecordWebhookOutcome::Failed(e) => e.delivery_id,
        };
        Command::<Invoice> {
            stream: Invoice::stream_id(invoice),
            command: InvoiceCommand::RecordWebhookOutcome(outcome),
            metadata: Self::metadata(tenant, delivery),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        }
    }

    fn metadata(tenant: TenantId, cause: Uuid) -> EventMetadata {
        let mut metadata = EventMetadata::for_tenant(tenant);
        metadata.actor = Some(ACTOR.to_owned());
        metadata.causation_id = Some(cause);
        metadata
    }
}

#[async_trait]
impl SubscriptionControl for StoreControl {
    async fn record_outcome(
        &self,
        tenant: TenantId,
        invoice: InvoiceId,
        outcome: RecordWebhookOutcome,
    ) -> anyhow::Result<()> {
        let command = Self::outcome_command(tenant, invoice, outcome);
        let ctx = Context::new(OffsetDateTime::now_utc());
        execute(&self.store, &self.metrics, &ctx, command).await?;
        Ok(())
    }

    /// One read for every invoice's stream, then per invoice its outcomes decided in turn and
    /// appended together (the invoices at once): one append per invoice, however many
    /// subscriptions were told about it.
    async fn record_outcomes(
        &self,
        tenant: TenantId,
        outcomes: Vec<(InvoiceId, RecordWebhookOutcome)>,
    ) -> Vec<anyhow::Result<()>> {
        let ctx = Context::new(OffsetDateTime::now_utc());
        let mut groups: Vec<(InvoiceId, Vec<usize>)> = Vec::new();
        let mut group_of: HashMap<InvoiceId, usize> = HashMap::new();
        for (i, (invoice, _)) in outcomes.iter().enumerate() {
            let g = *group_of.entry(*invoice).or_insert_with(|| {
                groups.push((*invoice, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        let streams: Vec<StreamId> = groups
            .iter()
            .map(|(invoice, _)| Invoice::stream_id(*invoice))
            .collect();
        let read = match self.store.read_streams(tenant, &streams).await {
            Ok(read) => read,
            Err(error) => {
                let text = error.to_string();
                return outcomes
                    .iter()
                    .map(|_| Err(anyhow::anyhow!("reading the invoices: {text}")))
                    .collect();
            }
        };
        let count = outcomes.len();
        let mut commands: Vec<Option<Command<Invoice>>> = outcomes
            .into_iter()
            .map(|(invoice, outcome)| Some(Self::outcome_command(tenant, invoice, outcome)))
            .collect();
        let turns = groups.iter().zip(read).map(|((_, members), recorded)| {
            let batch: Vec<Command<Invoice>> =
                members.iter().filter_map(|&i| commands[i].take()).collect();
            let ctx = &ctx;
            async move {
                let known = fold::<Invoice>(&recorded);
                let answers = match known {
                    Ok(known) => {
                        execute_in_turn(&self.store, &self.metrics, ctx, batch, Some(known)).await
                    }
                    Err(error) => Err(error),
                };
                match answers {
                    Ok(answers) => members
                        .iter()
                        .zip(answers)
                        .map(|(&i, answer)| (i, answer.map_err(anyhow::Error::from)))
                        .collect::<Vec<_>>(),
                    Err(error) => {
                        let text = error.to_string();
                        members
                            .iter()
                            .map(|&i| (i, Err(anyhow::anyhow!("{text}"))))
                            .collect()
                    }
                }
            }
        });
        let mut answers: Vec<anyhow::Result<()>> = (0..count).map(|_| Ok(())).collect();
        for (i, answer) in join_all(turns).await.into_iter().flatten() {
            answers[i] = answer;
        }
        answers
    }

    async fn exhausted(&self, tenant: TenantId, exhausted: Exhausted) -> anyhow::Result<()> {
        let event = SubscriptionEvent::DeliveryExhausted(DeliveryExhausted {
            delivery_id: exhausted.delivery_id,
            event_id: exhausted.event_id,
            attempts: exhausted.attempts,
        });
        // An operational record the subscription's state ignores: appended as is, under an id
        // derived from the delivery and its attempt count, so a repeated append is stored once
        // and a redelivered round that runs out again gets its own.
        let mut name = exhausted.delivery_id.as_bytes().to_vec();
        name.extend_from_slice(b"exhausted");
        name.extend_from_slice(&exhausted.attempts.to_be_bytes());
        let new = NewEvent {
            event_id: Uuid::new_v5(&EVENT_NAMESPACE, &name),
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            data: event.to_data(),
            metadata: Self::metadata(tenant, exhausted.delivery_id),
        };
        let stream = Subscription::stream_id(SubscriptionId(exhausted.subscription_id));
        match self
            .store
            .append(&stream, ExpectedVersion::Any, &[new])
            .await
        {
            Ok(_) | Err(StoreError::EventIdReused { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    async fn disable(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        reason: DisableReason,
        since: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let command = Command::<Subscription> {
            stream: Subscription::stream_id(SubscriptionId(subscription)),
            command: SubscriptionCommand::Disable(DisableSubscription { reason, since }),
            metadata: Self::metadata(tenant, subscription),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        };
        let ctx = Context::new(OffsetDateTime::now_utc());
        execute(&self.store, &self.metrics, &ctx, command).await?;
        Ok(())
    }
}
