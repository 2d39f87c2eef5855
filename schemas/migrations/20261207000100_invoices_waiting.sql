-- Why an invoice waits in its series (waiting_for_certificate, certificate_refused,
-- series_halted), null while nothing holds it: written by the invoices projection from the
-- series' events, shown in REST and GraphQL; the partial index serves the parked-series gauge.
alter table rm.invoices add column waiting_reason text;

create index invoices_waiting on rm.invoices (waiting_reason)
    where waiting_reason is not null;
