-- Webhook subscriptions (issue 6): the read table the subscriptions projection keeps from the
-- `webhook-subscription-*` streams, and the endpoints' signing secrets, sealed with AES-256-GCM
-- under the configured credentials key (the secret itself never enters an event; events carry
-- its key_id).
create schema if not exists webhooks;

create table webhooks.subscriptions (      -- written by the subscriptions projection
    subscription_id uuid primary key,
    tenant_id       uuid not null,
    url             text not null,
    event_types     text[] not null,        -- empty = every public type
    description     text,
    status          text not null check (status in ('active','paused','disabled','deleted')),
    version         bigint not null,        -- stream version applied
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    disabled_at     timestamptz,
    key_id          uuid not null           -- the signing key that is current (named by an event)
);
create index on webhooks.subscriptions (tenant_id) where status <> 'deleted';

create table webhooks.signing_keys (       -- secrets, sealed (AES-256-GCM), never in events
    key_id          uuid primary key,
    subscription_id uuid not null,
    tenant_id       uuid not null,
    nonce           bytea not null,
    ciphertext      bytea not null,
    created_at      timestamptz not null default now(),
    valid_until     timestamptz             -- null = current key; set when rotated away
);
create index on webhooks.signing_keys (subscription_id);
