-- The receiver's email (where the voucher is emailed) and postal address, from
-- `invoice.requested` v2; null for invoices requested without them (and every v1 request).
alter table rm.invoices add column receiver_email text;
alter table rm.invoices add column receiver_address text;
