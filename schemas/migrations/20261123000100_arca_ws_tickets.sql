-- WSAA access tickets shared by every instance (one per certificate, service and environment).
-- Written only by the instance holding the advisory lock for that key (adapters/arca broker).
CREATE SCHEMA IF NOT EXISTS arca_ws;

CREATE TABLE arca_ws.tickets (
    cert_fingerprint text        NOT NULL,
    service          text        NOT NULL,
    environment      text        NOT NULL,
    ticket           jsonb       NOT NULL,
    expires_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cert_fingerprint, service, environment)
);
