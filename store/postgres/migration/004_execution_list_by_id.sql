-- Stepflow schema, version 4: the indexes that list executions break ties of start date by
-- the execution's row id instead of its ARN. Every execution added an ARN (about 80 bytes) to
-- three indexes; a row id is a few bytes, so starting and ending an execution writes less.
-- Executions that started in the same microsecond are listed newest first.

DROP INDEX execution_by_start;
DROP INDEX execution_by_machine;
DROP INDEX execution_by_status;
CREATE INDEX execution_by_start ON execution (start_date DESC, id DESC);
CREATE INDEX execution_by_machine ON execution (state_machine_arn, start_date DESC, id DESC);
CREATE INDEX execution_by_status ON execution (status, start_date DESC, id DESC);
