-- Event store: stream rows (owner tenant, last version), the append-only event log and the
-- one-round-trip append function. Owned by adapters/eventstore; see its crate docs.
--
-- Global order: readers page by (tx_id, global_position) and stop below the oldest transaction
-- still running (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`), so an event whose transaction
-- commits late is never skipped. Per-stream versions are dense by `events_stream_version_key`.
--
-- Errors raised by es.append (mapped to typed errors by the Rust adapter):
--   ES001 stale expected version (detail: the actual version, or empty when the stream is absent)
--   ES002 an event id exists as a different event (detail: the id)
--   ES003 the stream belongs to another tenant
--   ES004 malformed batch
--   ES010 UPDATE, DELETE or TRUNCATE of es.events

create schema if not exists es;

create table es.streams (
    stream_id  text        primary key,
    tenant_id  uuid        not null,
    category   text        not null,
    -- version of the stream's last event (0-based); a stream row exists only with events
    version    bigint      not null check (version >= 0),
    created_at timestamptz not null default clock_timestamp(),
    updated_at timestamptz not null default clock_timestamp()
);

create table es.events (
    global_position bigint      generated always as identity primary key,
    tx_id           xid8        not null default pg_current_xact_id(),
    stream_id       text        not null references es.streams (stream_id),
    stream_version  bigint      not null check (stream_version >= 0),
    event_id        uuid        not null,
    event_type      text        not null,
    schema_version  integer     not null check (schema_version between 0 and 65535),
    tenant_id       uuid        not null,
    correlation_id  uuid,
    causation_id    uuid,
    data            jsonb       not null,
    metadata        jsonb       not null,
    recorded_at     timestamptz not null,
    constraint events_stream_version_key unique (stream_id, stream_version),
    constraint events_event_id_key unique (event_id)
);

-- The global log's reading order (keyset pages behind the xid8 watermark).
create index events_watermark_idx on es.events (tx_id, global_position);

create function es.reject_change() returns trigger
language plpgsql as $$
begin
    raise exception using
        errcode = 'ES010',
        message = format('es.events is append-only: %s rejected', tg_op);
end;
$$;

create trigger events_no_update_delete
    before update or delete on es.events
    for each row execute function es.reject_change();

create trigger events_no_truncate
    before truncate on es.events
    for each statement execute function es.reject_change();

-- Outcome of an append whose events are already stored (a retried request), or an error when
-- the ids exist as other events. p_expected: -2 any, -1 no stream, n >= 0 exact.
create function es.replayed(
    p_stream_id   text,
    p_tenant_id   uuid,
    p_expected    bigint,
    p_event_ids   uuid[],
    p_event_types text[]
) returns table (
    first_version  bigint,
    last_version   bigint,
    tx_id          bigint,
    global_position bigint,
    already_stored boolean
)
language plpgsql as $$
#variable_conflict use_column
declare
    v_owner uuid;
    v_first bigint;
    v_bad   uuid;
begin
    select s.tenant_id into v_owner from es.streams s where s.stream_id = p_stream_id;
    if v_owner is not null and v_owner <> p_tenant_id then
        raise exception using
            errcode = 'ES003',
            message = format('stream %s belongs to another tenant', p_stream_id);
    end if;

    v_first := case
        when p_expected >= -1 then p_expected + 1
        else (select e.stream_version from es.events e where e.event_id = p_event_ids[1])
    end;

    -- The first stored id that is another event; or, when the batch mixes stored and new ids,
    -- the first stored one.
    select u.id into v_bad
    from unnest(p_event_ids, p_event_types) with ordinality as u (id, ty, ord)
    join es.events e on e.event_id = u.id
    where e.stream_id <> p_stream_id
       or e.event_type <> u.ty
       or e.stream_version is distinct from v_first + u.ord - 1
    order by u.ord
    limit 1;
    if v_bad is null
       and (select count(*) from es.events e where e.event_id = any (p_event_ids))
           < cardinality(p_event_ids) then
        select u.id into v_bad
        from unnest(p_event_ids) with ordinality as u (id, ord)
        join es.events e on e.event_id = u.id
        order by u.ord
        limit 1;
    end if;

    if v_bad is not null then
        raise exception using
            errcode = 'ES002',
            message = format('event id %s is already used by another event', v_bad),
            detail = v_bad::text;
    end if;

    return query
    select min(e.stream_version) over (), e.stream_version, (e.tx_id::text)::bigint,
           e.global_position, true
    from es.events e
    where e.event_id = any (p_event_ids)
    order by e.stream_version desc
    limit 1;
end;
$$;

-- Appends a batch to one stream in the caller's transaction: checks the expected version on the
-- stream row, then inserts the events with consecutive versions and one recorded_at for the batch.
-- p_expected: -2 any, -1 no stream, n >= 0 exact. Call it before the transaction writes anything
-- else (see the advisory lock below).
create function es.append(
    p_stream_id       text,
    p_category        text,
    p_tenant_id       uuid,
    p_expected        bigint,
    p_event_ids       uuid[],
    p_event_types     text[],
    p_schema_versions integer[],
    p_data            jsonb[],
    p_metadata        jsonb[]
) returns table (
    first_version  bigint,
    last_version   bigint,
    tx_id          bigint,
    global_position bigint,
    already_stored boolean
)
language plpgsql as $$
#variable_conflict use_column
declare
    v_count  integer := coalesce(cardinality(p_event_ids), 0);
    v_now    timestamptz := clock_timestamp();
    v_last   bigint;
    v_owner  uuid;
    v_actual bigint;
begin
    if v_count = 0
       or coalesce(cardinality(p_event_types), 0) <> v_count
       or coalesce(cardinality(p_schema_versions), 0) <> v_count
       or coalesce(cardinality(p_data), 0) <> v_count
       or coalesce(cardinality(p_metadata), 0) <> v_count
       or p_expected < -2 then
        raise exception using errcode = 'ES004', message = 'malformed append batch';
    end if;

    -- Writers of one stream take turns from here, before this transaction writes anything and so
    -- before it gets its transaction id: one stream's appends get increasing tx_ids, so the global
    -- log's (tx_id, global_position) order keeps every stream in version order. (The row lock on
    -- es.streams alone would not: an UPDATE gets its xid before waiting for that lock.)
    -- Two-key advisory locks whose first key is hashtext('es.streams') belong to the event store.
    perform pg_advisory_xact_lock(hashtext('es.streams'), hashtext(p_stream_id));

    -- A retried append returns the original outcome, even if its expected version is now stale.
    -- After the lock, so a concurrent append of the same events to this stream is visible here.
    if exists (select 1 from es.events e where e.event_id = any (p_event_ids)) then
        return query select * from es.replayed(p_stream_id, p_tenant_id, p_expected, p_event_ids, p_event_types);
        return;
    end if;

    if p_expected = -2 then
        insert into es.streams as s (stream_id, tenant_id, category, version)
        values (p_stream_id, p_tenant_id, p_category, v_count - 1)
        on conflict (stream_id) do update
            set version = s.version + v_count, updated_at = v_now
            where s.tenant_id = p_tenant_id
        returning s.version into v_last;
    elsif p_expected = -1 then
        insert into es.streams as s (stream_id, tenant_id, category, version)
        values (p_stream_id, p_tenant_id, p_category, v_count - 1)
        on conflict (stream_id) do nothing
        returning s.version into v_last;
    else
        update es.streams s
        set version = s.version + v_count, updated_at = v_now
        where s.stream_id = p_stream_id and s.version = p_expected and s.tenant_id = p_tenant_id
        returning s.version into v_last;
    end if;

    if v_last is null then
        select s.tenant_id, s.version into v_owner, v_actual
        from es.streams s where s.stream_id = p_stream_id;
        if v_owner is not null and v_owner <> p_tenant_id then
            raise exception using
                errcode = 'ES003',
                message = format('stream %s belongs to another tenant', p_stream_id);
        end if;
        raise exception using
            errcode = 'ES001',
            message = format('stream %s is at version %s', p_stream_id, coalesce(v_actual::text, 'none')),
            detail = coalesce(v_actual::text, '');
    end if;

    return query
    with inserted as (
        insert into es.events (stream_id, stream_version, event_id, event_type, schema_version,
                               tenant_id, correlation_id, causation_id, data, metadata, recorded_at)
        select p_stream_id, v_last - v_count + u.ord, u.id, u.ty, u.sv, p_tenant_id,
               (u.md ->> 'correlation_id')::uuid, (u.md ->> 'causation_id')::uuid, u.d, u.md, v_now
        from unnest(p_event_ids, p_event_types, p_schema_versions, p_data, p_metadata)
             with ordinality as u (id, ty, sv, d, md, ord)
        order by u.ord
        returning es.events.global_position
    )
    select v_last - v_count + 1, v_last, (pg_current_xact_id()::text)::bigint,
           max(i.global_position), false
    from inserted i;
end;
$$;
