-- Stepflow schema, version 13: webhooks made through the API (those of the config file are
-- not stored) and the signatures webhooks accepted. A signature row lives until a replay of
-- it would be refused anyway (its timestamp too old), so every server sharing the database
-- refuses a replay, not only the one that accepted the request.

CREATE TABLE webhook (
    name         TEXT PRIMARY KEY,
    arn          TEXT NOT NULL,
    config       TEXT NOT NULL, -- source, detail-type, bus and signature format (JSON)
    secret       TEXT NOT NULL, -- the shared secret, sealed with the server key when there is one
    created_date INTEGER NOT NULL
);

CREATE TABLE webhook_signature (
    webhook_name TEXT NOT NULL,
    signature    TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (webhook_name, signature)
) WITHOUT ROWID;
CREATE INDEX webhook_signature_expiry ON webhook_signature (webhook_name, expires_at);
