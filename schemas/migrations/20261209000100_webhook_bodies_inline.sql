-- A webhook body is read by every delivery of its event (one per subscription). Bodies now carry
-- the whole invoice (payload version 2, about the size of GET /v1/invoices/{id}) and passed the
-- default TOAST threshold (~2 kB), so each read fetched and decompressed them out of line. Keep
-- rows up to the page size inline and uncompressed.
alter table webhooks.bodies set (toast_tuple_target = 8160);
alter table webhooks.bodies alter column payload set storage main;
