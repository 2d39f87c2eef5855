-- The invoice's printable document (PDF), once the documents worker recorded it
-- (`invoice.document_issued`): its SHA-256 (hex), where it is stored, its size and the template
-- version that rendered it. The latest recorded wins (a newer template's rendering replaces the
-- older one here; both stay in the log). Null until the document exists.
alter table rm.invoices
    add column document_sha256 text,
    add column document_key text,
    add column document_bytes bigint,
    add column document_template text;
