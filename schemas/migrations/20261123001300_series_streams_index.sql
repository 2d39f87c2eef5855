-- Saga instances look for series whose stream moved (work reserved by another instance, or left by
-- a stopped one) several times a second; a partial index keeps that a scan of the series alone,
-- however many invoice streams es.streams holds.
create index streams_series_idx on es.streams (stream_id) include (tenant_id, version)
    where category = 'series';
