-- Stepflow schema, version 9: every step updates its execution's row (version, snapshot),
-- and on full pages PostgreSQL wrote each new row version elsewhere with an entry in each of
-- the table's six indexes: 1.4% of the updates were HOT (heap-only) in the durable benchmark.
-- Pages of the execution table keep half their space free, so the next version of a row
-- fits on its page and no index changes while the status stays the same. Pages written
-- before keep their rows as they are.

ALTER TABLE execution SET (fillfactor = 50);
