-- A number every write transaction raises before it commits (one row). A
-- server remembers answers computed from the data (the forecast's inputs,
-- pupil counts, guidance records) under the number it read first, and
-- reuses them while the number is unchanged; every server process reads
-- the same number, so none serves an answer older than the last write.
CREATE TABLE data_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);
