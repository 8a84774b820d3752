-- Stepflow schema, version 18: a child execution's history is keyed by the child's number,
-- not its ARN. Child names are UUIDs, so history keyed by ARN went to a random page of its
-- index for every step of every child; numbered in the order children start, a batch's new
-- history rows land on the last pages of the index, and the ends of the children running
-- together on a few pages near them. The number is an explicit INTEGER PRIMARY KEY because
-- VACUUM (and VACUUM INTO, which backups use) may renumber an implicit rowid.

CREATE TABLE child_execution_numbered (
    id                INTEGER PRIMARY KEY,
    arn               TEXT NOT NULL UNIQUE,
    map_run_arn       TEXT NOT NULL,
    parent_arn        TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    name              TEXT NOT NULL,
    idx               INTEGER NOT NULL, -- the iteration's index in its run
    item_count        INTEGER NOT NULL, -- the items it processes (a batch's, with an ItemBatcher)
    type              TEXT NOT NULL,
    status            TEXT NOT NULL,
    input             TEXT NOT NULL,
    output            TEXT,
    error             TEXT NOT NULL,
    cause             TEXT NOT NULL,
    start_date        INTEGER NOT NULL,
    stop_date         INTEGER,
    redrive_count     INTEGER NOT NULL,
    redrive_date      INTEGER
);
INSERT INTO child_execution_numbered (arn, map_run_arn, parent_arn, state_machine_arn, name, idx, item_count, type, status,
        input, output, error, cause, start_date, stop_date, redrive_count, redrive_date)
    SELECT arn, map_run_arn, parent_arn, state_machine_arn, name, idx, item_count, type, status,
        input, output, error, cause, start_date, stop_date, redrive_count, redrive_date
    FROM child_execution ORDER BY rowid;

-- A child's history: one row for the events one step (or one batch of steps) wrote, as a JSON array.
CREATE TABLE child_history_numbered (
    child_id INTEGER NOT NULL, -- child_execution.id
    first_id INTEGER NOT NULL,
    last_id  INTEGER NOT NULL,
    body     TEXT NOT NULL,
    PRIMARY KEY (child_id, last_id)
);
INSERT INTO child_history_numbered (child_id, first_id, last_id, body)
    SELECT c.id, h.first_id, h.last_id, h.body
    FROM child_history h JOIN child_execution_numbered c ON c.arn = h.child_arn
    ORDER BY c.id, h.last_id;

DROP TABLE child_history;
DROP TABLE child_execution;
ALTER TABLE child_execution_numbered RENAME TO child_execution;
ALTER TABLE child_history_numbered RENAME TO child_history;
CREATE INDEX child_execution_by_run ON child_execution (map_run_arn, start_date DESC, idx DESC);
CREATE INDEX child_execution_by_run_status ON child_execution (map_run_arn, status, start_date DESC, idx DESC);
CREATE INDEX child_execution_by_parent ON child_execution (parent_arn);
