-- Group commit: es.append_many appends N batches (each: one stream, its expected version and its
-- events) in the caller's one transaction, and answers each with a status row instead of raising,
-- so a stale append does not fail its neighbours. The Rust adapter (PgEventStore::append) sends
-- the appends of concurrent callers through it; es.append stays for single appends (append_in).
--
-- Arguments: one element per append in p_stream_ids .. p_event_counts; the events of every append
-- flattened, in append order, in p_event_ids .. p_metadata (append i owns the p_event_counts[i]
-- elements after those of appends 1 .. i-1). p_expected: -2 any, -1 no stream, n >= 0 exact.
--
-- Locks: the advisory locks of every stream of the call (the same keys es.append takes) are taken
-- first, in ascending key order (no deadlock between concurrent calls), before anything is
-- written: the transaction gets its id after it holds every lock, so each stream's appends still
-- get increasing transaction ids (the global log's order, see 20261123000001_event_store.sql).
-- Appends are then processed by stream id, and appends to one stream in submission order. Each
-- append is checked first (tenant, replay, expected version) and written only when it passes, so
-- there is no subtransaction per append.
--
-- Statuses (o_status): ok, already_stored (o_first .. o_position as originally stored),
-- conflict (o_actual: the stream's version, null when absent), tenant_mismatch,
-- event_id_reused (o_event_id), invalid. A failure of the call itself (a unique violation on an
-- event id committed by a concurrent transaction meanwhile, a deadlock, a malformed call: ES004)
-- raises and rolls back every append of the call: the adapter then appends them one by one.
create function es.append_many(
    p_stream_ids      text[],
    p_categories      text[],
    p_tenant_ids      uuid[],
    p_expected        bigint[],
    p_event_counts    integer[],
    p_event_ids       uuid[],
    p_event_types     text[],
    p_schema_versions integer[],
    p_data            jsonb[],
    p_metadata        jsonb[]
) returns table (
    o_index    integer,
    o_status   text,
    o_first    bigint,
    o_last     bigint,
    o_tx_id    bigint,
    o_position bigint,
    o_actual   bigint,
    o_event_id uuid
)
language plpgsql as $$
declare
    v_n        integer := coalesce(cardinality(p_stream_ids), 0);
    v_total    integer := coalesce(cardinality(p_event_ids), 0);
    v_start    integer[];
    v_offset   integer := 0;
    v_key      integer;
    i          integer;
    v_count    integer;
    v_lo       integer;
    v_hi       integer;
    v_stream   text;
    v_tenant   uuid;
    v_expected bigint;
    v_ids      uuid[];
    v_types    text[];
    v_owner    uuid;
    v_version  bigint;
    v_first    bigint;
    v_last     bigint;
    v_bad      uuid;
    v_position bigint;
    v_now      timestamptz;
begin
    if coalesce(cardinality(p_categories), 0) <> v_n
       or coalesce(cardinality(p_tenant_ids), 0) <> v_n
       or coalesce(cardinality(p_expected), 0) <> v_n
       or coalesce(cardinality(p_event_counts), 0) <> v_n
       or coalesce(cardinality(p_event_types), 0) <> v_total
       or coalesce(cardinality(p_schema_versions), 0) <> v_total
       or coalesce(cardinality(p_data), 0) <> v_total
       or coalesce(cardinality(p_metadata), 0) <> v_total
       or exists (select 1 from unnest(p_event_counts) c where c is null or c < 0) then
        raise exception using errcode = 'ES004', message = 'malformed append_many call';
    end if;
    v_start := array_fill(0, array[v_n]);
    for i in 1 .. v_n loop
        v_start[i] := v_offset + 1;
        v_offset := v_offset + p_event_counts[i];
    end loop;
    if v_offset <> v_total then
        raise exception using errcode = 'ES004', message = 'malformed append_many call';
    end if;

    -- Every stream's lock, in key order, before this transaction writes anything.
    for v_key in
        select distinct hashtext(s) from unnest(p_stream_ids) s where s is not null order by 1
    loop
        perform pg_advisory_xact_lock(hashtext('es.streams'), v_key);
    end loop;

    for i in
        select o from generate_subscripts(p_stream_ids, 1) o order by p_stream_ids[o], o
    loop
        v_stream := p_stream_ids[i];
        v_tenant := p_tenant_ids[i];
        v_expected := p_expected[i];
        v_count := p_event_counts[i];
        if v_count = 0 or v_stream is null or v_tenant is null or p_categories[i] is null
           or v_expected is null or v_expected < -2 then
            return query select i, 'invalid', null::bigint, null::bigint, null::bigint,
                                null::bigint, null::bigint, null::uuid;
            continue;
        end if;
        v_lo := v_start[i];
        v_hi := v_lo + v_count - 1;
        v_ids := p_event_ids[v_lo:v_hi];
        v_types := p_event_types[v_lo:v_hi];

        -- Stable until commit: every writer of the stream holds its lock.
        select s.tenant_id, s.version into v_owner, v_version
        from es.streams s where s.stream_id = v_stream;
        if v_owner is not null and v_owner <> v_tenant then
            return query select i, 'tenant_mismatch', null::bigint, null::bigint, null::bigint,
                                null::bigint, null::bigint, null::uuid;
            continue;
        end if;

        -- A retried append: es.replayed's checks, answered instead of raised.
        if exists (select 1 from es.events e where e.event_id = any (v_ids)) then
            v_first := case
                when v_expected >= -1 then v_expected + 1
                else (select e.stream_version from es.events e where e.event_id = v_ids[1])
            end;
            v_bad := null;
            select u.id into v_bad
            from unnest(v_ids, v_types) with ordinality as u (id, ty, ord)
            join es.events e on e.event_id = u.id
            where e.stream_id <> v_stream
               or e.event_type <> u.ty
               or e.stream_version is distinct from v_first + u.ord - 1
            order by u.ord
            limit 1;
            if v_bad is null
               and (select count(*) from es.events e where e.event_id = any (v_ids)) < v_count then
                select u.id into v_bad
                from unnest(v_ids) with ordinality as u (id, ord)
                join es.events e on e.event_id = u.id
                order by u.ord
                limit 1;
            end if;
            if v_bad is not null then
                return query select i, 'event_id_reused', null::bigint, null::bigint,
                                    null::bigint, null::bigint, null::bigint, v_bad;
            else
                return query
                select i, 'already_stored', min(e.stream_version) over (), e.stream_version,
                       (e.tx_id::text)::bigint, e.global_position, null::bigint, null::uuid
                from es.events e
                where e.event_id = any (v_ids)
                order by e.stream_version desc
                limit 1;
            end if;
            continue;
        end if;

        if (v_expected = -1 and v_version is not null)
           or (v_expected >= 0 and v_version is distinct from v_expected) then
            return query select i, 'conflict', null::bigint, null::bigint, null::bigint,
                                null::bigint, v_version, null::uuid;
            continue;
        end if;

        v_now := clock_timestamp();
        v_last := coalesce(v_version, -1) + v_count;
        if v_version is null then
            insert into es.streams (stream_id, tenant_id, category, version, created_at, updated_at)
            values (v_stream, v_tenant, p_categories[i], v_last, v_now, v_now);
        else
            update es.streams s set version = v_last, updated_at = v_now
            where s.stream_id = v_stream;
        end if;

        with inserted as (
            insert into es.events (stream_id, stream_version, event_id, event_type, schema_version,
                                   tenant_id, correlation_id, causation_id, data, metadata,
                                   recorded_at)
            select v_stream, v_last - v_count + u.ord, u.id, u.ty, u.sv, v_tenant,
                   (u.md ->> 'correlation_id')::uuid, (u.md ->> 'causation_id')::uuid, u.d, u.md,
                   v_now
            from unnest(v_ids, v_types, p_schema_versions[v_lo:v_hi], p_data[v_lo:v_hi],
                        p_metadata[v_lo:v_hi])
                 with ordinality as u (id, ty, sv, d, md, ord)
            order by u.ord
            returning es.events.global_position
        )
        select max(x.global_position) into v_position from inserted x;

        return query select i, 'ok', v_last - v_count + 1, v_last,
                            (pg_current_xact_id()::text)::bigint, v_position, null::bigint,
                            null::uuid;
    end loop;
end;
$$;
