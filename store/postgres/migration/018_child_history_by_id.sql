-- Stepflow schema, version 18: a child execution's history is keyed by the child's number,
-- not its ARN. Child names are UUIDs, so history keyed by ARN went to a random page of its
-- index for every step of every child; numbered in the order children start, a batch's new
-- history rows land on the last pages of the index, and the ends of the children running
-- together on a few pages near them.

-- Nothing looks a child up by its number (its history is found from its row, by ARN), so the
-- number has no index of its own: one more index entry per child cost more than it saved.
ALTER TABLE child_execution ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY;

-- A child's history: one row for the events one step (or one batch of steps) wrote, as a JSON array.
CREATE TABLE child_history_numbered (
    child_id BIGINT NOT NULL, -- child_execution.id
    first_id BIGINT NOT NULL,
    last_id  BIGINT NOT NULL,
    body     TEXT NOT NULL,
    PRIMARY KEY (child_id, last_id)
);
INSERT INTO child_history_numbered (child_id, first_id, last_id, body)
    SELECT c.id, h.first_id, h.last_id, h.body
    FROM child_history h JOIN child_execution c ON c.arn = h.child_arn;
DROP TABLE child_history;
ALTER TABLE child_history_numbered RENAME TO child_history;
ALTER INDEX child_history_numbered_pkey RENAME TO child_history_pkey;
