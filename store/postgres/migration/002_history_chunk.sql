-- Stepflow schema, version 2: history is stored in chunks, one row per run of events with
-- consecutive ids (usually one step's events), as a JSON array. A step then writes one row
-- instead of one per event. Events of version 1 become chunks of one event.

CREATE TABLE history_chunk (
    execution_id BIGINT NOT NULL,
    first_id     BIGINT NOT NULL,
    last_id      BIGINT NOT NULL,
    body         TEXT NOT NULL, -- events first_id..last_id as GetExecutionHistory returns them (JSON array)
    PRIMARY KEY (execution_id, last_id)
);

INSERT INTO history_chunk (execution_id, first_id, last_id, body)
    SELECT execution_id, id, id, '[' || body || ']' FROM history_event;
DROP TABLE history_event;
