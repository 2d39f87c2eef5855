-- The documents engine's obligations: one row per authorized invoice whose PDF is not yet
-- rendered, stored and recorded on its stream. The intake (a checkpointed feed of the log)
-- inserts it in the same transaction as its checkpoint, so a CAE never goes without its PDF;
-- the renderer deletes it once `invoice.document_issued` is appended. A claim pushes `due_at`
-- forward (a lease: a renderer that dies leaves the row to be claimed again); a failure sets
-- `due_at` to the next attempt and keeps the reason.
create schema if not exists documents;

create table documents.jobs (
    invoice_id uuid primary key,
    tenant_id uuid not null,
    due_at timestamptz not null,
    attempts integer not null default 0,
    last_error text,
    enqueued_at timestamptz not null default now()
);

create index jobs_due on documents.jobs (due_at);
