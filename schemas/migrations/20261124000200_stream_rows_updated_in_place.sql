-- Every append moves its stream's row forward (version, updated_at). The series index of
-- 20261123001300 carried `version` as an included column, and a column any index holds makes
-- every update of it a new row version with a new entry in each index of the table, whether the
-- row is in the partial index or not: each invoice append wrote a new primary-key entry, and left
-- a dead one for vacuum. The index keeps the series' stream ids only (their tenant and version are
-- read from the rows, a few per tenant), and pages keep room for the new version beside the old,
-- so moving a stream forward rewrites its row in place.
alter table es.streams set (fillfactor = 80);

drop index es.streams_series_idx;
create index streams_series_idx on es.streams (stream_id) where category = 'series';
