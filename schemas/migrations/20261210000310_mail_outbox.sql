-- The email engine's own schema (workers::mail is the only owner of its SQL).
create schema if not exists mail;

-- Each tenant's contact address, as `tenant.contact_email_set` left it (no row: none).
create table mail.contacts (
    tenant_id uuid primary key,
    email text not null
);

-- One row per message to send: an invoice's voucher to its receiver (mail_id = the invoice id,
-- `waiting` until its PDF is recorded), or a notice to a tenant (mail_id = the event it is about).
-- The projector fills it; the sender claims due `pending` rows (next_attempt_at moves forward
-- as a lease) and ends each one `sent` or `failed`. An invoice whose PDF was recorded while email
-- was off is `skipped`: turning email on sends only what happens from then on.
create table mail.outbox (
    mail_id uuid primary key,
    kind text not null check (kind in ('invoice', 'subscription_disabled', 'delivery_exhausted')),
    tenant_id uuid not null,
    recipient text not null,
    status text not null check (status in ('waiting', 'pending', 'sent', 'failed', 'skipped')),
    -- invoice: the stream it is about; notices: the subscription's stream.
    stream_id text not null,
    -- invoice: the stored PDF and its template version, once recorded.
    document_key text,
    template_version text,
    -- notices: what to say (the disable reason, the attempts made).
    detail jsonb,
    attempts integer not null default 0,
    next_attempt_at timestamptz,
    last_error text,
    message_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index outbox_due on mail.outbox (next_attempt_at) where status = 'pending';
