-- The append functions only look rows up by key (event id, stream id), through unique indexes.
-- PL/pgSQL caches each statement's plan per connection; a plan made while es.events and
-- es.streams were still small is a sequential scan, and it stays one as the tables grow until the
-- next ANALYZE invalidates it. Measured on a fresh database under load: throughput fell by half
-- as batches grew, with the time spent scanning es.events for `event_id = any(...)`.
-- Without sequential scans, every cached plan is an index lookup, whatever the statistics.
alter function es.append(text, text, uuid, bigint, uuid[], text[], integer[], jsonb[], jsonb[])
    set enable_seqscan = off;
alter function es.append_many(text[], text[], uuid[], bigint[], integer[], uuid[], text[],
                              integer[], jsonb[], jsonb[])
    set enable_seqscan = off;
alter function es.replayed(text, uuid, bigint, uuid[], text[])
    set enable_seqscan = off;
