//! The invoices projector's statements, for one target schema (`rm` or a rebuild's).

/// `invoice.requested` rows: one `INSERT … SELECT FROM unnest(…)`; an existing row wins.
pub(super) fn insert_invoices(s: &str) -> String {
    format!(
        "insert into {s}.invoices (invoice_id, tenant_id, issuer_cuit, point_of_sale, \
                   voucher_type, letter, concept, issue_date, receiver_doc_type, \
                   receiver_doc_number, receiver_name, receiver_iva_condition, currency, \
                   exchange_rate, net, not_taxed, exempt, tributes, iva, total, status, \
                   requested_at, updated_at, last_global_position, stream_version, \
                   service_from, service_to, payment_due_date, tributes_detail, \
                   associated_vouchers, associated_period, receiver_email, receiver_address) \
                 select p.invoice_id, p.tenant_id, p.issuer_cuit, p.pos, p.voucher_type, p.letter, \
                   p.concept, p.issue_date, p.doc_type, p.doc_number, p.receiver_name, \
                   p.iva_condition, p.currency, p.exchange_rate::numeric, p.net::numeric, \
                   p.not_taxed::numeric, p.exempt::numeric, p.tributes_total::numeric, p.iva::numeric, \
                   p.total::numeric, 'requested', p.requested_at, p.updated_at, p.position, \
                   p.version, p.service_from, p.service_to, p.payment_due, \
                   p.tributes::jsonb, p.associated::jsonb, p.associated_period::jsonb, \
                   p.receiver_email, p.receiver_address \
                 from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::int[], $5::int[], \
                   $6::text[], $7::int[], $8::date[], $9::int[], $10::bigint[], $11::text[], \
                   $12::int[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], \
                   $18::text[], $19::text[], $20::text[], $21::timestamptz[], \
                   $22::timestamptz[], $23::bigint[], $24::bigint[], $25::date[], $26::date[], \
                   $27::date[], $28::text[], $29::text[], $30::text[], $31::text[], \
                   $32::text[]) \
                   as p(invoice_id, tenant_id, issuer_cuit, pos, voucher_type, letter, concept, \
                   issue_date, doc_type, doc_number, receiver_name, iva_condition, currency, \
                   exchange_rate, net, not_taxed, exempt, tributes_total, iva, total, \
                   requested_at, updated_at, position, version, service_from, service_to, \
                   payment_due, tributes, associated, associated_period, receiver_email, \
                   receiver_address) \
                 on conflict (invoice_id) do nothing"
    )
}

/// The requested invoices' items.
pub(super) fn insert_items(s: &str) -> String {
    format!(
        "insert into {s}.invoice_items (invoice_id, line_no, tenant_id, description, \
                   quantity, unit_price, discount, iva, net) \
                 select p.invoice_id, p.line_no, p.tenant_id, p.description, p.quantity::numeric, \
                   p.unit_price::numeric, p.discount::numeric, p.iva, p.net::numeric \
                 from unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::text[], \
                   $6::text[], $7::text[], $8::text[], $9::text[]) \
                   as p(invoice_id, line_no, tenant_id, description, quantity, unit_price, \
                   discount, iva, net) \
                 on conflict (invoice_id, line_no) do nothing"
    )
}

/// The requested invoices' IVA per rate.
pub(super) fn insert_iva(s: &str) -> String {
    format!(
        "insert into {s}.invoice_iva (invoice_id, rate, tenant_id, base, amount) \
                 select p.invoice_id, p.rate, p.tenant_id, p.base::numeric, p.amount::numeric \
                 from unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[]) \
                   as p(invoice_id, rate, tenant_id, base, amount) \
                 on conflict (invoice_id, rate) do nothing"
    )
}

/// Lifecycle patches (one per invoice): only ever move a row forward, within its tenant. A
/// null status or document keeps the row's.
pub(super) fn update_invoices(s: &str) -> String {
    format!(
        "update {s}.invoices i set \
                   number = case when p.clear_number then null \
                     else coalesce(p.number, i.number) end, \
                   status = coalesce(p.status, i.status), \
                   cae = coalesce(p.cae, i.cae), \
                   cae_due_date = coalesce(p.cae_due_date, i.cae_due_date), \
                   rejection_errors = coalesce(p.rejection::jsonb, i.rejection_errors), \
                   observations = coalesce(p.observations::jsonb, i.observations), \
                   submitted_at = coalesce(p.submitted_at, i.submitted_at), \
                   authorized_at = coalesce(p.authorized_at, i.authorized_at), \
                   rejected_at = coalesce(p.rejected_at, i.rejected_at), \
                   document_sha256 = coalesce(p.document_sha256, i.document_sha256), \
                   document_key = coalesce(p.document_key, i.document_key), \
                   document_template = coalesce(p.document_template, i.document_template), \
                   document_bytes = coalesce(p.document_bytes, i.document_bytes), \
                   updated_at = p.updated_at, last_global_position = p.position, \
                   stream_version = p.version \
                 from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], \
                   $6::date[], $7::text[], $8::timestamptz[], $9::bigint[], $10::bigint[], \
                   $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], \
                   $15::bool[], $16::text[], $17::text[], $18::text[], $19::bigint[]) \
                   as p(invoice_id, tenant_id, number, status, cae, cae_due_date, rejection, \
                   updated_at, position, version, observations, submitted_at, authorized_at, \
                   rejected_at, clear_number, document_sha256, document_key, document_template, \
                   document_bytes) \
                 where i.invoice_id = p.invoice_id and i.tenant_id = p.tenant_id \
                   and i.stream_version < p.version"
    )
}
