-- Stepflow schema, version 10: EventBridge Scheduler. Schedule groups other than "default"
-- (which always exists and has no row); schedules with their definition as the API sent it
-- (JSON), their next slot and when it fires; and one fire row per schedule and slot, whose
-- primary key is what keeps two nodes (or one node before and after a restart) from firing
-- a slot twice. The fire is written in the transaction that writes its event delivery.

CREATE TABLE schedule_group (
    name          TEXT PRIMARY KEY,
    arn           TEXT NOT NULL,
    created_date  INTEGER NOT NULL,
    modified_date INTEGER NOT NULL
);

CREATE TABLE schedule (
    group_name    TEXT NOT NULL,
    name          TEXT NOT NULL,
    id            TEXT NOT NULL UNIQUE, -- new for each schedule created, kept by updates
    arn           TEXT NOT NULL,
    state         TEXT NOT NULL, -- ENABLED or DISABLED
    definition    TEXT NOT NULL, -- the schedule as CreateSchedule / UpdateSchedule sent it (JSON)
    next_slot     INTEGER,       -- the next slot, or NULL when none is left
    next_fire_at  INTEGER,       -- when the next slot fires (inside its flexible window)
    version       INTEGER NOT NULL, -- counts every change; a fire names the version it read
    created_date  INTEGER NOT NULL,
    modified_date INTEGER NOT NULL,
    PRIMARY KEY (group_name, name)
) WITHOUT ROWID;
CREATE INDEX schedule_due ON schedule (state, next_fire_at);

CREATE TABLE schedule_fire (
    schedule_id    TEXT NOT NULL,
    slot           INTEGER NOT NULL,
    fired_at       INTEGER NOT NULL,
    execution_name TEXT NOT NULL,
    PRIMARY KEY (schedule_id, slot)
) WITHOUT ROWID;
