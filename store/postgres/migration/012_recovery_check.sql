-- Stepflow schema, version 12: the executions a restart must look at once.
--
-- Before this version a Standard execution's end could be committed in two steps (its last
-- step, then its status), so after a crash between them an execution could stay RUNNING with
-- an ended snapshot, and every start loaded every running execution to find such ones (about
-- 130 µs each: minutes with a million waiting). Every end is now committed with the step that
-- ends it, so only the executions that were running when a store was upgraded can be in that
-- state: they are listed here, the next start loads each once and removes it from the list.
CREATE TABLE recovery_check (arn TEXT PRIMARY KEY);
INSERT INTO recovery_check (arn) SELECT arn FROM execution WHERE status = 'RUNNING' AND type = 'STANDARD';

-- The running Express executions, which a start after a crash records as aborted: an index of
-- those alone, so that finding them does not read every running Standard execution (status and
-- type lead so that SQLite's planner, which has no statistics, prefers it to execution_by_status).
CREATE INDEX execution_running_express ON execution (status, type, start_date DESC, id DESC)
    WHERE status = 'RUNNING' AND type = 'EXPRESS';
