-- The relay's ledger: the dense sequence and hash chain the single relay stamps on every event
-- as it publishes it to JetStream (JetStream sequence n = ledger_seq n), and the relay's
-- checkpoint. Owned by adapters/eventstore (module `relay`); the hash chain is defined in its docs.
--
--   hash_n = SHA-256(hash_{n-1} || event_id (16 bytes) || es.event_digest(event)),  hash_0 = 32 zero bytes
--
-- es.event_digest is the SHA-256 of the UTF-8 text of es.event_canonical(event) below, so an
-- auditor can recompute the whole chain from the stored events, in SQL or from an export.

create table es.ledger (
    ledger_seq      bigint primary key check (ledger_seq >= 1),
    global_position bigint not null unique, -- es.events.global_position (checked by the audit)
    tx_id           xid8   not null,
    event_id        uuid   not null unique,
    hash            bytea  not null check (octet_length(hash) = 32)
);

-- One row: where the relay stands. Advanced in the same transaction as the ledger rows it covers.
create table es.relay_checkpoint (
    id              boolean     primary key default true check (id),
    ledger_seq      bigint      not null default 0 check (ledger_seq >= 0),
    tx_id           xid8        not null default '0',
    global_position bigint      not null default 0,
    hash            bytea       not null default '\x0000000000000000000000000000000000000000000000000000000000000000'
                                check (octet_length(hash) = 32),
    updated_at      timestamptz not null default clock_timestamp()
);
insert into es.relay_checkpoint default values;

-- The canonical form of an event for the hash chain: a jsonb object of the fields an event never
-- changes after it is stored, printed by Postgres (`jsonb::text`: keys sorted by length then bytes,
-- `", "` and `": "` separators, numbers as stored). recorded_at is UTC with microseconds.
create function es.event_canonical(e es.events) returns text
language sql stable as $$
    select jsonb_build_object(
        'stream_id', e.stream_id,
        'stream_version', e.stream_version,
        'event_type', e.event_type,
        'schema_version', e.schema_version,
        'tenant_id', e.tenant_id,
        'data', e.data,
        'metadata', e.metadata,
        'recorded_at', to_char(e.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text
$$;

-- SHA-256 of the canonical form's UTF-8 bytes: the "payload hash" of the chain.
create function es.event_digest(e es.events) returns bytea
language sql stable as $$
    select sha256(convert_to(es.event_canonical(e), 'UTF8'))
$$;
