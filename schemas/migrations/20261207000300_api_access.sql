-- What the API keeps about its callers besides the event log (owned by adapters/infra).
create schema if not exists api_access;

-- Rate limits (GCRA): per limited subject (`key:<uuid>`, `addr:<ip>`), the theoretical arrival
-- time of its next request. One upsert moves it for one request or a few taken at once (`taken`:
-- how many the last upsert took, `ok`: whether any); unlogged, since a crash that loses it only
-- forgives the callers' recent requests, and every API instance shares it.
create unlogged table api_access.rate_buckets (
    id text primary key,
    tat timestamptz not null,
    ok boolean not null,
    taken integer not null default 0
) with (fillfactor = 70);

-- When each API key was last used, written at most once a minute per key and API instance, off
-- the request path.
create table api_access.last_used (
    key_id uuid primary key,
    at timestamptz not null
);
