-- Stepflow schema, version 6: a dispatch keeps what its invocation needs besides the input
-- (the state's name, its timeout and heartbeat in seconds, the task's credentials), as JSON
-- the engine writes and reads back, so that a task run again after a restart or on another
-- node runs with them. Rows written before hold ''.

ALTER TABLE dispatch ADD COLUMN details TEXT NOT NULL DEFAULT '';
