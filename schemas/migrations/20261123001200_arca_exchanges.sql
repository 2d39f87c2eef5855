-- Every FECAESolicitar and FECompConsultar exchange with ARCA as it went over the wire: the
-- request envelope with the ticket's token and sign redacted, and the response body as received
-- (null when none came back). The audit view of an invoice lists the rows of its series whose
-- number range covers its number. Written by the saga after each call, whatever the outcome;
-- never updated.
CREATE TABLE arca_ws.exchanges (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid        NOT NULL,
    series_stream text        NOT NULL,
    operation     text        NOT NULL,
    number_from   bigint      NOT NULL,
    number_to     bigint      NOT NULL,
    request_hash  text        NOT NULL,
    response_hash text,
    request_xml   text        NOT NULL,
    response_xml  text,
    error         text,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL,
    CHECK (number_from <= number_to)
);

-- "Which exchanges of this series covered number n": the range's start bounds the scan, the
-- end is checked on the few rows left.
CREATE INDEX exchanges_series_numbers
    ON arca_ws.exchanges (tenant_id, series_stream, number_from, number_to);
