-- Stepflow schema, version 9: PostgreSQL leaves room in each page of the execution table
-- (fillfactor 50) so that a step's update of an execution row stays on its page. SQLite has
-- no such setting; this version keeps the two stores' numbering in step.

SELECT 1;
