DROP TABLE pupil_cohorts;
DROP TABLE program_destinations;
DROP TABLE program_graduations;

CREATE TABLE younger_pupils (
    school_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    pupils INTEGER NOT NULL CHECK (pupils >= 0),
    PRIMARY KEY (school_id, academic_year, grade)
);
INSERT INTO younger_pupils (school_id, academic_year, grade, pupils)
SELECT school_id, academic_year, grade, pupils FROM grade_counts WHERE grade <= 4;
DROP TABLE grade_counts;

CREATE TABLE forecast_parameters (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    after_grade_9_share DOUBLE PRECISION NOT NULL CHECK (after_grade_9_share BETWEEN 0 AND 1),
    after_grade_11_share DOUBLE PRECISION NOT NULL CHECK (after_grade_11_share BETWEEN 0 AND 1),
    annual_dropout_rate DOUBLE PRECISION NOT NULL CHECK (annual_dropout_rate BETWEEN 0 AND 1),
    retention_rate DOUBLE PRECISION NOT NULL CHECK (retention_rate BETWEEN 0 AND 1),
    targeted_retention_rate DOUBLE PRECISION NOT NULL CHECK (targeted_retention_rate BETWEEN 0 AND 1),
    after_grade_9_share_low DOUBLE PRECISION NOT NULL DEFAULT 0.55,
    after_grade_9_share_high DOUBLE PRECISION NOT NULL DEFAULT 0.75,
    after_grade_11_share_low DOUBLE PRECISION NOT NULL DEFAULT 0.60,
    after_grade_11_share_high DOUBLE PRECISION NOT NULL DEFAULT 0.80,
    annual_dropout_rate_low DOUBLE PRECISION NOT NULL DEFAULT 0.05,
    annual_dropout_rate_high DOUBLE PRECISION NOT NULL DEFAULT 0.09,
    retention_rate_low DOUBLE PRECISION NOT NULL DEFAULT 0.50,
    retention_rate_high DOUBLE PRECISION NOT NULL DEFAULT 0.70,
    targeted_retention_rate_low DOUBLE PRECISION NOT NULL DEFAULT 0.90,
    targeted_retention_rate_high DOUBLE PRECISION NOT NULL DEFAULT 1.00
);
INSERT INTO forecast_parameters (id, after_grade_9_share, after_grade_11_share, annual_dropout_rate, retention_rate, targeted_retention_rate,
    after_grade_9_share_low, after_grade_9_share_high, after_grade_11_share_low, after_grade_11_share_high,
    annual_dropout_rate_low, annual_dropout_rate_high, retention_rate_low, retention_rate_high,
    targeted_retention_rate_low, targeted_retention_rate_high)
SELECT 1, p9.value, p11.value, a.value, r.value, rt.value, p9.low, p9.high, p11.low, p11.high, a.low, a.high, r.low, r.high, rt.low, rt.high
FROM forecast_parameter_values p9, forecast_parameter_values p11, forecast_parameter_values a,
     forecast_parameter_values r, forecast_parameter_values rt
WHERE p9.name = 'after_grade_9_share' AND p11.name = 'after_grade_11_share' AND a.name = 'annual_dropout_rate'
  AND r.name = 'retention_rate' AND rt.name = 'targeted_retention_rate';
DROP TABLE forecast_parameter_values;
