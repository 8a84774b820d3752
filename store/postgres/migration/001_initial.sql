-- Stepflow schema, version 1.

CREATE TABLE state_machine (
    arn                   TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    type                  TEXT NOT NULL,
    definition            TEXT NOT NULL,
    role_arn              TEXT NOT NULL,
    description           TEXT NOT NULL,
    logging_configuration TEXT NOT NULL,
    tracing_configuration TEXT NOT NULL,
    revision_id           TEXT NOT NULL,
    created_date          TIMESTAMPTZ NOT NULL,
    updated_date          TIMESTAMPTZ NOT NULL,
    -- the number the next published version gets; numbers are never reused
    next_version          BIGINT NOT NULL
);

CREATE TABLE state_machine_version (
    arn                   TEXT PRIMARY KEY,
    state_machine_arn     TEXT NOT NULL,
    number                BIGINT NOT NULL,
    description           TEXT NOT NULL,
    revision_id           TEXT NOT NULL,
    type                  TEXT NOT NULL,
    definition            TEXT NOT NULL,
    role_arn              TEXT NOT NULL,
    logging_configuration TEXT NOT NULL,
    tracing_configuration TEXT NOT NULL,
    created_date          TIMESTAMPTZ NOT NULL,
    UNIQUE (state_machine_arn, number)
);

CREATE TABLE state_machine_alias (
    arn               TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL,
    routing           TEXT NOT NULL, -- JSON array of {stateMachineVersionArn, weight}
    created_date      TIMESTAMPTZ NOT NULL,
    updated_date      TIMESTAMPTZ NOT NULL
);
CREATE INDEX state_machine_alias_by_machine ON state_machine_alias (state_machine_arn, arn);

CREATE TABLE tag (
    resource_arn TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
);

CREATE TABLE activity (
    arn          TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    created_date TIMESTAMPTZ NOT NULL
);

CREATE TABLE execution (
    -- a small key for the history's rows
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    arn                       TEXT NOT NULL UNIQUE,
    state_machine_arn         TEXT NOT NULL,
    state_machine_version_arn TEXT NOT NULL,
    state_machine_alias_arn   TEXT NOT NULL,
    name                      TEXT NOT NULL,
    type                      TEXT NOT NULL,
    status                    TEXT NOT NULL,
    input                     TEXT NOT NULL,
    output                    TEXT,
    error                     TEXT NOT NULL,
    cause                     TEXT NOT NULL,
    start_date                TIMESTAMPTZ NOT NULL,
    stop_date                 TIMESTAMPTZ,
    redrive_count             INTEGER NOT NULL,
    redrive_date              TIMESTAMPTZ,
    trace_header              TEXT NOT NULL,
    -- committed steps; ExecutionStep updates WHERE version = expected
    version                   BIGINT NOT NULL,
    snapshot                  BYTEA NOT NULL
);
CREATE INDEX execution_by_start ON execution (start_date DESC, arn DESC);
CREATE INDEX execution_by_machine ON execution (state_machine_arn, start_date DESC, arn DESC);
CREATE INDEX execution_by_status ON execution (status, start_date DESC, arn DESC);
CREATE INDEX execution_by_stop ON execution (stop_date) WHERE stop_date IS NOT NULL;

CREATE TABLE history_event (
    execution_id BIGINT NOT NULL,
    id           BIGINT NOT NULL,
    type         TEXT NOT NULL,
    timestamp    TIMESTAMPTZ NOT NULL,
    body         TEXT NOT NULL, -- the event as GetExecutionHistory returns it (JSON)
    PRIMARY KEY (execution_id, id)
);

CREATE TABLE timer (
    execution_arn TEXT NOT NULL,
    timer_id      TEXT NOT NULL,
    fire_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (execution_arn, timer_id)
);
CREATE INDEX timer_by_fire_at ON timer (fire_at);

-- the outbox of task invocations
CREATE TABLE dispatch (
    execution_arn    TEXT NOT NULL,
    task_id          TEXT NOT NULL,
    queue            TEXT NOT NULL,
    resource         TEXT NOT NULL,
    input            TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    lease_owner      TEXT NOT NULL,
    lease_expires_at TIMESTAMPTZ,
    created_date     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (execution_arn, task_id)
);
CREATE INDEX dispatch_by_queue ON dispatch (queue, created_date);

CREATE TABLE task_token (
    token              TEXT PRIMARY KEY,
    execution_arn      TEXT NOT NULL,
    task_id            TEXT NOT NULL,
    activity_arn       TEXT NOT NULL,
    status             TEXT NOT NULL,
    heartbeat_deadline TIMESTAMPTZ,
    created_date       TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_token_by_execution ON task_token (execution_arn);
