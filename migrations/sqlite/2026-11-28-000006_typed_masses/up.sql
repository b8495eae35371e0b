-- Interest targets as a kind and an id instead of one signed number:
-- ('all', 0) counts every pupil of the group, ('profession', id) and
-- ('cluster', id) the summed shares of pupils interested in it.
CREATE TABLE pupil_masses_typed (
    grade INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('all', 'profession', 'cluster')),
    target_id BIGINT NOT NULL,
    pupils DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (grade, academic_year, target_kind, target_id)
);
INSERT INTO pupil_masses_typed (grade, academic_year, target_kind, target_id, pupils)
SELECT grade, academic_year,
       CASE WHEN target = 0 THEN 'all' WHEN target > 0 THEN 'profession' ELSE 'cluster' END,
       ABS(target), pupils
FROM pupil_masses;
DROP TABLE pupil_masses;
ALTER TABLE pupil_masses_typed RENAME TO pupil_masses;
