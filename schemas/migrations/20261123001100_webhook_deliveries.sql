-- Webhook deliveries (issue 6): one row per (event, subscription), made by the fan-out in the same
-- transaction as its checkpoint (rm.checkpoints, projection `webhook_fanout`), and every attempt
-- the dispatchers made. The delivery id is the `webhook-id` receivers deduplicate on: derived
-- from the event id and the subscription id, so a re-delivered event creates nothing new.
create schema if not exists webhooks;

create table webhooks.deliveries (
    delivery_id     uuid primary key,       -- v5 of (event id, subscription id); webhook-id msg_<hex>
    tenant_id       uuid not null,
    subscription_id uuid not null,
    event_id        uuid not null,
    event_type      text not null,          -- the public type (invoice.authorized …)
    stream_id       text not null,          -- the event's stream (audit events go to invoices)
    event_tx_id     bigint not null,        -- the event's global position
    event_position  bigint not null,
    occurred_at     timestamptz not null,   -- when the event was recorded
    payload         bytea,                  -- the body, serialized once at the first attempt
    status          text not null
        check (status in ('pending', 'delivered', 'failed', 'skipped')),
    attempts        integer not null default 0,
    round_start     integer not null default 0, -- attempts made before the last redelivery
    manual          boolean not null default false, -- the next attempt is a redelivery by hand
    next_attempt_at timestamptz,            -- due (or lease end while an attempt runs)
    last_status     integer,
    last_error      text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    finished_at     timestamptz,
    exhausted       boolean not null default false, -- every attempt of the schedule failed
    followup_due    boolean not null default false  -- the outcome's events are still to append
);
create index deliveries_due on webhooks.deliveries (next_attempt_at) where status = 'pending';
create index deliveries_followup on webhooks.deliveries (updated_at) where followup_due;
create index deliveries_by_subscription
    on webhooks.deliveries (tenant_id, subscription_id, created_at desc, delivery_id desc);
create index deliveries_by_tenant on webhooks.deliveries (tenant_id, created_at desc, delivery_id desc);

create table webhooks.attempts (
    delivery_id     uuid not null references webhooks.deliveries on delete cascade,
    attempt         integer not null,
    tenant_id       uuid not null,
    trigger         text not null check (trigger in ('scheduled', 'manual')),
    started_at      timestamptz not null,
    duration_ms     integer not null,
    status_code     integer,                -- null when no HTTP answer came back
    error_class     text,                   -- blocked_ip, dns, connect, timeout, invalid_url, other
    response_body   bytea,                  -- at most the first KiB
    next_attempt_at timestamptz,            -- when the next attempt is due, if any
    primary key (delivery_id, attempt)
);

-- Per subscription: since when its attempts fail without a 2xx in between (null: healthy).
create table webhooks.endpoint_health (
    subscription_id uuid primary key,
    failing_since   timestamptz,
    last_success_at timestamptz
);
