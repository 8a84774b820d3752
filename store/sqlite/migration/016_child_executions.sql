-- Stepflow schema, version 16: the child executions of Distributed Map runs. Each iteration
-- of a Distributed Map is a child workflow execution on AWS, listed by ListExecutions with
-- mapRunArn and described like any execution; it lives beside its parent, not in the
-- execution table, so that recovery never runs it and ListExecutions by state machine never
-- lists it. Its row and history are written in the transaction of the parent's step and
-- deleted with the parent by retention.

CREATE TABLE child_execution (
    arn               TEXT PRIMARY KEY,
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
CREATE INDEX child_execution_by_run ON child_execution (map_run_arn, start_date DESC, idx DESC);
CREATE INDEX child_execution_by_run_status ON child_execution (map_run_arn, status, start_date DESC, idx DESC);
CREATE INDEX child_execution_by_parent ON child_execution (parent_arn);

-- A child's history: one row for the events one step wrote, as a JSON array.
CREATE TABLE child_history (
    child_arn TEXT NOT NULL,
    first_id  INTEGER NOT NULL,
    last_id   INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (child_arn, last_id)
);
