-- Stepflow schema, version 11: performance rollups. Per state machine, resolution (in seconds)
-- and bucket start: the executions that started in the bucket and those that ended in it by
-- outcome (perf_bucket), a log-spaced histogram of the ended runs' durations (perf_duration,
-- one row per slot used), the time spent per state (perf_state) and the errors with the
-- most recent execution that failed with each (perf_error). Starts and ends add to them in
-- the transaction that writes the execution, so they are exact across crashes and servers.
-- Every row of the other three tables has its perf_bucket row (an end always counts its
-- outcome there), which retention finds by bucket_start. A bucket is kept in shards: one
-- transaction adds to one shard, so that concurrent commits (several servers, several commit
-- workers) do not all wait for the same row; readers add the shards up.

CREATE TABLE perf_bucket (
    state_machine_arn TEXT NOT NULL,
    resolution        BIGINT NOT NULL,
    bucket_start      TIMESTAMPTZ NOT NULL,
    shard             BIGINT NOT NULL,
    started           BIGINT NOT NULL,
    succeeded         BIGINT NOT NULL,
    failed            BIGINT NOT NULL,
    timed_out         BIGINT NOT NULL,
    aborted           BIGINT NOT NULL,
    PRIMARY KEY (state_machine_arn, resolution, bucket_start, shard)
);
CREATE INDEX perf_bucket_by_start ON perf_bucket (bucket_start);

CREATE TABLE perf_duration (
    state_machine_arn TEXT NOT NULL,
    resolution        BIGINT NOT NULL,
    bucket_start      TIMESTAMPTZ NOT NULL,
    shard             BIGINT NOT NULL,
    slot              BIGINT NOT NULL,
    executions        BIGINT NOT NULL,
    PRIMARY KEY (state_machine_arn, resolution, bucket_start, shard, slot)
);

CREATE TABLE perf_state (
    state_machine_arn TEXT NOT NULL,
    resolution        BIGINT NOT NULL,
    bucket_start      TIMESTAMPTZ NOT NULL,
    shard             BIGINT NOT NULL,
    state_name        TEXT NOT NULL,
    runs              BIGINT NOT NULL,
    total_us          BIGINT NOT NULL,
    max_us            BIGINT NOT NULL,
    PRIMARY KEY (state_machine_arn, resolution, bucket_start, shard, state_name)
);

CREATE TABLE perf_error (
    state_machine_arn     TEXT NOT NULL,
    resolution            BIGINT NOT NULL,
    bucket_start          TIMESTAMPTZ NOT NULL,
    shard             BIGINT NOT NULL,
    error                 TEXT NOT NULL,
    executions            BIGINT NOT NULL,
    example_execution_arn TEXT NOT NULL,
    example_stop_date     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (state_machine_arn, resolution, bucket_start, shard, error)
);
