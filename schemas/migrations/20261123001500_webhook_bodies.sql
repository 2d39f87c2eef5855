-- A webhook body is the same bytes for every subscription of an event (the envelope and the
-- invoice as the read model showed it when first built; signatures are made per attempt), so it
-- is stored once per event instead of on each of the event's deliveries: one insert per event
-- where every delivery row was updated once more. The first builder's bytes win; every attempt
-- of every delivery of the event sends them.
--
-- webhooks.deliveries.payload stays for bodies made at fan-out (events that are not about an
-- invoice) and for rows stored before this migration.
create table webhooks.bodies (
    event_id   uuid primary key,
    tenant_id  uuid not null,
    payload    bytea not null,
    created_at timestamptz not null default now()
);
