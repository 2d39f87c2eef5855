-- Read models (schema `rm`), written only by the projectors in crates `projections`, and their
-- checkpoints. A projector writes its rows and advances its checkpoint in one transaction, so each
-- event takes effect exactly once; a rebuild writes a new generation (its own schema, created
-- with `create table … (like rm.invoices including all)`) under checkpoint (projection, generation).

create schema rm;

-- One row per invoice, for the dashboard. Amounts as ARCA adds them up; `stream_version` is the
-- last invoice event applied, so a re-delivered or older event never moves the row back.
create table rm.invoices (
    invoice_id            uuid          primary key,
    tenant_id             uuid          not null,
    issuer_cuit           bigint        not null,
    point_of_sale         integer       not null,
    voucher_type          integer       not null,
    letter                text          not null,
    number                bigint,
    concept               integer       not null,
    issue_date            date          not null,
    receiver_doc_type     integer       not null,
    receiver_doc_number   bigint        not null,
    receiver_name         text,
    receiver_iva_condition integer      not null,
    currency              text          not null,
    exchange_rate         numeric       not null,
    net                   numeric(15,2) not null,
    not_taxed             numeric(15,2) not null,
    exempt                numeric(15,2) not null,
    tributes              numeric(15,2) not null,
    iva                   numeric(15,2) not null,
    total                 numeric(15,2) not null,
    status                text          not null,
    cae                   text,
    cae_due_date          date,
    rejection_errors      jsonb,
    requested_at          timestamptz   not null,
    updated_at            timestamptz   not null,
    last_global_position  bigint        not null,
    stream_version        bigint        not null
);

create index invoices_tenant_status on rm.invoices (tenant_id, status, issue_date desc);
create index invoices_tenant_issue_date on rm.invoices (tenant_id, issue_date desc);
create index invoices_tenant_series
    on rm.invoices (tenant_id, issuer_cuit, point_of_sale, voucher_type, number);

-- The items of each invoice, in request order (line_no from 1).
create table rm.invoice_items (
    invoice_id  uuid    not null,
    line_no     integer not null,
    tenant_id   uuid    not null,
    description text    not null,
    quantity    numeric not null,
    unit_price  numeric not null,
    discount    numeric,
    iva         text,    -- "21", "10.5", "exempt", "not_taxed"; null on class C
    net         numeric not null,
    primary key (invoice_id, line_no)
);

-- Where each projection (and generation) stands in the global log: (tx_id, position) of the last
-- event applied. Advanced in the same transaction as the rows it covers.
create table rm.checkpoints (
    projection  text        not null,
    generation  integer     not null,
    tx_id       bigint      not null default 0,
    position    bigint      not null default 0,
    updated_at  timestamptz not null default clock_timestamp(),
    primary key (projection, generation)
);
