-- The sealing key can rotate: every sealed row names the key of the configured keyring
-- (ARCA_CREDENTIALS_KEYS) that sealed it. Null: sealed before rows named one, by the key with
-- id `default` (ARCA_CREDENTIALS_KEY). `arca credentials reseal` moves rows to the current key.
ALTER TABLE arca_ws.issuer_keys ADD COLUMN sealing_key_id text;
ALTER TABLE webhooks.signing_keys ADD COLUMN sealing_key_id text;

-- WSAA tickets are sealed too (token and sign are secrets): the whole ticket is sealed, bound
-- to (cert_fingerprint, service, environment). `ticket` holds only what rows written before
-- this kept in clear; the broker treats such a row as absent and a new ticket (or
-- `arca credentials reseal`) replaces it with a sealed one.
ALTER TABLE arca_ws.tickets
    ALTER COLUMN ticket DROP NOT NULL,
    ADD COLUMN sealing_key_id text,
    ADD COLUMN nonce bytea,
    ADD COLUMN ciphertext bytea,
    ADD CONSTRAINT tickets_sealed_or_legacy
        CHECK ((ticket IS NULL) = (nonce IS NOT NULL AND ciphertext IS NOT NULL));
