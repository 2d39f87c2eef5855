-- What the dashboard, GraphQL and the REST reads show beyond the first read model: the request's
-- details (service period, other taxes, associated vouchers), the IVA per rate, the lifecycle's
-- instants (for CAE latency), ARCA's observations, and the indexes of the dashboard's filters.
-- Filled by the invoices projector; a rebuild fills them for invoices projected before.

alter table rm.invoices
    add column service_from        date,
    add column service_to          date,
    add column payment_due_date    date,
    add column tributes_detail     jsonb,        -- [{"type", "description", "base", "rate", "amount"}]
    add column associated_vouchers jsonb,        -- [{"voucher_type", "point_of_sale", "number", …}]
    add column associated_period   jsonb,        -- {"from", "to"}
    add column submitted_at        timestamptz,  -- the last InvoiceSubmitted's submitted_at
    add column authorized_at       timestamptz,  -- recorded_at of CaeGranted
    add column rejected_at         timestamptz,  -- recorded_at of InvoiceRejected
    add column observations        jsonb;        -- ARCA's observations on the CAE

-- IVA per rate, as the request computed it (one row per rate; ARCA's AlicIva).
create table rm.invoice_iva (
    invoice_id uuid          not null,
    rate       text          not null,   -- "0", "2.5", "5", "10.5", "21", "27"
    tenant_id  uuid          not null,
    base       numeric(15,2) not null,
    amount     numeric(15,2) not null,
    primary key (invoice_id, rate)
);

-- Newest first, the list's default order and its cursor.
create index invoices_tenant_requested on rm.invoices (tenant_id, requested_at desc, invoice_id desc);
create index invoices_tenant_receiver on rm.invoices (tenant_id, receiver_doc_number);
create index invoices_tenant_total on rm.invoices (tenant_id, total);

-- Text search on the receiver's name (trusted extension: the database owner may create it).
create extension if not exists pg_trgm;
create index invoices_receiver_name_trgm on rm.invoices using gin (receiver_name gin_trgm_ops);
