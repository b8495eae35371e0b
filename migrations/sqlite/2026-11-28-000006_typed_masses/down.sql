CREATE TABLE pupil_masses_signed (
    grade INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    target BIGINT NOT NULL,
    pupils DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (grade, academic_year, target)
);
INSERT INTO pupil_masses_signed (grade, academic_year, target, pupils)
SELECT grade, academic_year,
       CASE target_kind WHEN 'all' THEN 0 WHEN 'profession' THEN target_id ELSE -target_id END,
       pupils
FROM pupil_masses;
DROP TABLE pupil_masses;
ALTER TABLE pupil_masses_signed RENAME TO pupil_masses;
