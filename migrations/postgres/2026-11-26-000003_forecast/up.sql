-- The region-wide forecast parameters: one row, changed by admins.
CREATE TABLE forecast_parameters (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    after_grade_9_share DOUBLE PRECISION NOT NULL CHECK (after_grade_9_share BETWEEN 0 AND 1),
    after_grade_11_share DOUBLE PRECISION NOT NULL CHECK (after_grade_11_share BETWEEN 0 AND 1),
    annual_dropout_rate DOUBLE PRECISION NOT NULL CHECK (annual_dropout_rate BETWEEN 0 AND 1),
    retention_rate DOUBLE PRECISION NOT NULL CHECK (retention_rate BETWEEN 0 AND 1),
    targeted_retention_rate DOUBLE PRECISION NOT NULL CHECK (targeted_retention_rate BETWEEN 0 AND 1)
);
INSERT INTO forecast_parameters VALUES (1, 0.65, 0.70, 0.07, 0.60, 0.95);

-- Pupils per grade, academic year and interest target, kept up to date by
-- every write of pupils and interests, so that the forecast reads a few
-- hundred rows whatever the number of pupils. `target` is a profession id,
-- minus a cluster id, or 0 for all the pupils of the group (a count).
CREATE TABLE pupil_masses (
    grade INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    target BIGINT NOT NULL,
    pupils DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (grade, academic_year, target)
);
INSERT INTO pupil_masses (grade, academic_year, target, pupils)
SELECT grade, academic_year, 0, COUNT(*) FROM pupils GROUP BY grade, academic_year;
INSERT INTO pupil_masses (grade, academic_year, target, pupils)
SELECT grade, academic_year, COALESCE(profession_id, -cluster_id), SUM(share)
FROM pupil_interests GROUP BY grade, academic_year, COALESCE(profession_id, -cluster_id);
