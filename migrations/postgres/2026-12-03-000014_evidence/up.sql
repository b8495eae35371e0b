-- Forecast version 3: a sixth parameter, counts for every grade, and the
-- records of what happened (graduations and graduates' destinations).

-- One row per parameter (six values with two bounds each would not fit one row).
CREATE TABLE forecast_parameter_values (
    name TEXT PRIMARY KEY,
    value DOUBLE PRECISION NOT NULL CHECK (value BETWEEN 0 AND 1),
    low DOUBLE PRECISION NOT NULL CHECK (low BETWEEN 0 AND 1),
    high DOUBLE PRECISION NOT NULL CHECK (high BETWEEN 0 AND 1),
    CHECK (low <= value AND value <= high)
);
INSERT INTO forecast_parameter_values (name, value, low, high)
SELECT 'after_grade_9_share', after_grade_9_share, after_grade_9_share_low, after_grade_9_share_high FROM forecast_parameters;
-- s10 at its default, kept within what p9 leaves (p9 + s10 <= 1).
INSERT INTO forecast_parameter_values (name, value, low, high)
SELECT 'continue_to_grade_10_share',
       CASE WHEN after_grade_9_share > 0.65 THEN 1 - after_grade_9_share ELSE 0.35 END,
       CASE WHEN after_grade_9_share > 0.75 THEN 1 - after_grade_9_share ELSE 0.25 END,
       0.45
FROM forecast_parameters;
INSERT INTO forecast_parameter_values (name, value, low, high)
SELECT 'after_grade_11_share', after_grade_11_share, after_grade_11_share_low, after_grade_11_share_high FROM forecast_parameters;
INSERT INTO forecast_parameter_values (name, value, low, high)
SELECT 'annual_dropout_rate', annual_dropout_rate, annual_dropout_rate_low, annual_dropout_rate_high FROM forecast_parameters;
INSERT INTO forecast_parameter_values (name, value, low, high)
SELECT 'retention_rate', retention_rate, retention_rate_low, retention_rate_high FROM forecast_parameters;
INSERT INTO forecast_parameter_values (name, value, low, high)
SELECT 'targeted_retention_rate', targeted_retention_rate, targeted_retention_rate_low, targeted_retention_rate_high FROM forecast_parameters;
DROP TABLE forecast_parameters;

-- A school's pupils per grade 1 to 11 and academic year (the annual school
-- statistics); grades 1 to 4 are what the younger-pupil counts were.
CREATE TABLE grade_counts (
    school_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 11),
    pupils INTEGER NOT NULL CHECK (pupils >= 0),
    PRIMARY KEY (school_id, academic_year, grade)
);
INSERT INTO grade_counts (school_id, academic_year, grade, pupils)
SELECT school_id, academic_year, grade, pupils FROM younger_pupils;
DROP TABLE younger_pupils;

-- How many finished a program in a calendar year, of them from targeted seats.
CREATE TABLE program_graduations (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    graduates INTEGER NOT NULL CHECK (graduates >= 0),
    targeted_graduates INTEGER NOT NULL CHECK (targeted_graduates >= 0 AND targeted_graduates <= graduates),
    PRIMARY KEY (program_id, year)
);

-- Where a year's graduates were about a year later.
CREATE TABLE program_destinations (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    graduation_year INTEGER NOT NULL,
    employed_in_profession INTEGER NOT NULL CHECK (employed_in_profession >= 0),
    employed_in_profession_targeted INTEGER NOT NULL CHECK (employed_in_profession_targeted >= 0 AND employed_in_profession_targeted <= employed_in_profession),
    employed_other INTEGER NOT NULL CHECK (employed_other >= 0),
    continued_study INTEGER NOT NULL CHECK (continued_study >= 0),
    military_service INTEGER NOT NULL CHECK (military_service >= 0),
    left_region INTEGER NOT NULL CHECK (left_region >= 0),
    unknown INTEGER NOT NULL CHECK (unknown >= 0),
    PRIMARY KEY (program_id, graduation_year)
);

-- Pupil records per school, grade and academic year, kept current by every
-- write of pupils (as pupil_counts is), so that the forecast's cohort rule
-- reads a few hundred rows, never every pupil.
CREATE TABLE pupil_cohorts (
    school_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    grade INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    pupils BIGINT NOT NULL,
    PRIMARY KEY (school_id, grade, academic_year)
);
INSERT INTO pupil_cohorts (school_id, grade, academic_year, pupils)
SELECT school_id, grade, academic_year, COUNT(*) FROM pupils GROUP BY school_id, grade, academic_year;
