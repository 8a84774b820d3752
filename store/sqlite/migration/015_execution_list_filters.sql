-- Stepflow schema, version 15: ListExecutions answers from an index whatever its filters.
-- A state machine and a status together read the state machine's executions of that status
-- only (before: every execution of the state machine, filtered); a version or alias ARN read
-- an index of the executions started that way (before: every execution in the store). The
-- version and alias indexes leave out the executions without one, which are most of them;
-- each comes with a status, too, so that a version or alias and a status read only the
-- executions that match both.

CREATE INDEX execution_by_machine_status ON execution (state_machine_arn, status, start_date DESC, id DESC);
CREATE INDEX execution_by_version ON execution (state_machine_version_arn, start_date DESC, id DESC)
    WHERE state_machine_version_arn <> '';
CREATE INDEX execution_by_alias ON execution (state_machine_alias_arn, start_date DESC, id DESC)
    WHERE state_machine_alias_arn <> '';
CREATE INDEX execution_by_version_status ON execution (state_machine_version_arn, status, start_date DESC, id DESC)
    WHERE state_machine_version_arn <> '';
CREATE INDEX execution_by_alias_status ON execution (state_machine_alias_arn, status, start_date DESC, id DESC)
    WHERE state_machine_alias_arn <> '';
