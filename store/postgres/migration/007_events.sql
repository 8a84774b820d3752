-- Stepflow schema, version 7: the event bus (EventBridge). Buses other than "default" (which
-- always exists and has no row), rules with their pattern, targets with their whole
-- configuration as the API sent it (JSON), and deliveries: one row per event and matched
-- target, written in the transaction that accepts the PutEvents, deleted once the target
-- started (or kept with state DEAD as a dead letter).

CREATE TABLE event_bus (
    name         TEXT PRIMARY KEY,
    arn          TEXT NOT NULL,
    description  TEXT NOT NULL,
    created_date TIMESTAMPTZ NOT NULL,
    updated_date TIMESTAMPTZ NOT NULL
);

CREATE TABLE event_rule (
    bus_name            TEXT NOT NULL,
    name                TEXT NOT NULL,
    arn                 TEXT NOT NULL,
    event_pattern       TEXT NOT NULL,
    schedule_expression TEXT NOT NULL,
    state               TEXT NOT NULL,
    description         TEXT NOT NULL,
    role_arn            TEXT NOT NULL,
    created_date        TIMESTAMPTZ NOT NULL,
    updated_date        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bus_name, name)
);

CREATE TABLE event_target (
    bus_name  TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    id        TEXT NOT NULL,
    arn       TEXT NOT NULL,
    config    TEXT NOT NULL, -- the target as PutTargets sent it (JSON)
    PRIMARY KEY (bus_name, rule_name, id)
);

CREATE TABLE event_delivery (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL,
    bus_name        TEXT NOT NULL,
    rule_name       TEXT NOT NULL,
    rule_arn        TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    target          TEXT NOT NULL, -- the target's configuration when the event was accepted (JSON)
    event           TEXT NOT NULL, -- the event as EventBridge shapes it (JSON)
    event_time      TIMESTAMPTZ NOT NULL,
    state           TEXT NOT NULL, -- PENDING or DEAD
    attempts        INTEGER NOT NULL,
    -- when the delivery is next tried; a node that takes it moves this past its lease, so
    -- a node that dies leaves it due again when the lease ends
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT NOT NULL,
    last_error      TEXT NOT NULL,
    dead_letter_arn TEXT NOT NULL,
    created_date    TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_delivery_due ON event_delivery (state, next_attempt_at);
