-- Stepflow schema, version 2: history is stored in chunks, one row per run of events with
-- consecutive ids (usually one step's events), as a JSON array. A step then writes one row
-- instead of one per event. Events of version 1 become chunks of one event.

-- Rows are appended in commit order (seq) and found through the small (execution_id, last_id)
-- index, so a batch of steps of many executions writes few pages.
CREATE TABLE history_chunk (
    seq          INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL,
    first_id     INTEGER NOT NULL,
    last_id      INTEGER NOT NULL,
    body         TEXT NOT NULL -- events first_id..last_id as GetExecutionHistory returns them (JSON array)
);

INSERT INTO history_chunk (execution_id, first_id, last_id, body)
    SELECT execution_id, id, id, '[' || body || ']' FROM history_event ORDER BY seq;
DROP TABLE history_event;

CREATE UNIQUE INDEX history_chunk_by_execution ON history_chunk (execution_id, last_id);
