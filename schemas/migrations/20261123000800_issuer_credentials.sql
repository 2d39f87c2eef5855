-- Issuers' private keys, encrypted at rest, and their certificates (public). Events name a key
-- by key_id only; the key itself lives here so it can be rotated or destroyed.
--
-- ciphertext = AES-256-GCM(PKCS#8 DER of the key) under the configured credentials_key, with the
-- 12-byte nonce beside it and "tenant_id|cuit|key_id" as associated data, so a row moved to
-- another issuer no longer decrypts. Destroying a key clears nonce and ciphertext.
CREATE SCHEMA IF NOT EXISTS arca_ws;

CREATE TABLE arca_ws.issuer_keys (
    key_id       uuid        PRIMARY KEY,
    tenant_id    uuid        NOT NULL,
    cuit         text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    nonce        bytea,
    ciphertext   bytea,
    destroyed_at timestamptz,
    CHECK ((destroyed_at IS NULL) = (ciphertext IS NOT NULL AND nonce IS NOT NULL))
);

CREATE INDEX issuer_keys_issuer ON arca_ws.issuer_keys (tenant_id, cuit);

-- The certificate installed for an issuer and environment (newest wins), with its key.
CREATE TABLE arca_ws.issuer_certificates (
    fingerprint      text        NOT NULL,
    tenant_id        uuid        NOT NULL,
    cuit             text        NOT NULL,
    environment      text        NOT NULL,
    key_id           uuid        NOT NULL REFERENCES arca_ws.issuer_keys (key_id),
    certificate_pem  text        NOT NULL,
    not_after        timestamptz NOT NULL,
    installed_at     timestamptz NOT NULL DEFAULT now(),
    expiry_noted_at  timestamptz,
    PRIMARY KEY (tenant_id, cuit, environment, fingerprint)
);

CREATE INDEX issuer_certificates_not_after ON arca_ws.issuer_certificates (not_after)
    WHERE expiry_noted_at IS NULL;
