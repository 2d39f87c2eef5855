-- ANALYZE skips the payload columns (events, webhook bodies, ARCA's XML) that no query filters, joins or sorts on. Sampling and sorting
-- them (jsonb of ~1 KB per event, webhook bodies) was most of an analysis' cost: on a
-- 200,000-event table, 540-620 ms with them against ~220 ms without. Analyses come from
-- autovacuum, or from the workers' own upkeep where autovacuum is off (src/vacuum.rs).
alter table es.events
    alter column data set statistics 0,
    alter column metadata set statistics 0;

alter table webhooks.deliveries
    alter column payload set statistics 0,
    alter column last_error set statistics 0;
alter table webhooks.bodies
    alter column payload set statistics 0;
alter table webhooks.attempts
    alter column response_body set statistics 0;

alter table rm.invoices
    alter column rejection_errors set statistics 0,
    alter column observations set statistics 0,
    alter column tributes_detail set statistics 0,
    alter column associated_vouchers set statistics 0,
    alter column associated_period set statistics 0;

alter table arca_ws.exchanges
    alter column request_xml set statistics 0,
    alter column response_xml set statistics 0;
