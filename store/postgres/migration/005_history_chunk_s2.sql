-- Stepflow schema, version 5: a history chunk's events may be stored compressed. body_s2, when
-- not NULL, holds the chunk's JSON array compressed with S2 (github.com/klauspost/compress/s2)
-- and body is empty. The JSON of a run of Pass states compresses about tenfold, and a long
-- history is most of what a durable step writes and syncs. Chunks written before stay as
-- they are.

ALTER TABLE history_chunk ADD COLUMN body_s2 BYTEA;
