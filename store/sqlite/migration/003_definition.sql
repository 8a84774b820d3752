-- Stepflow schema, version 3: the definitions executions run, stored once each by the SHA-256
-- of their text. An execution's snapshot names its definition by hash, so it can be resumed
-- with the definition it started with after its state machine was updated and the process
-- restarted, as on AWS; the text is not copied into every execution.

CREATE TABLE definition (
    hash TEXT PRIMARY KEY, -- hex SHA-256 of body
    body TEXT NOT NULL
) WITHOUT ROWID;
