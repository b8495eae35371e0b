-- Younger pupils (grades 1 to 4) as counts only, per school and academic year.
CREATE TABLE younger_pupils (
    school_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    pupils INTEGER NOT NULL CHECK (pupils >= 0),
    PRIMARY KEY (school_id, academic_year, grade)
);

-- The bounds of each forecast parameter, for the low and high variants.
ALTER TABLE forecast_parameters ADD COLUMN after_grade_9_share_low DOUBLE PRECISION NOT NULL DEFAULT 0.55;
ALTER TABLE forecast_parameters ADD COLUMN after_grade_9_share_high DOUBLE PRECISION NOT NULL DEFAULT 0.75;
ALTER TABLE forecast_parameters ADD COLUMN after_grade_11_share_low DOUBLE PRECISION NOT NULL DEFAULT 0.60;
ALTER TABLE forecast_parameters ADD COLUMN after_grade_11_share_high DOUBLE PRECISION NOT NULL DEFAULT 0.80;
ALTER TABLE forecast_parameters ADD COLUMN annual_dropout_rate_low DOUBLE PRECISION NOT NULL DEFAULT 0.05;
ALTER TABLE forecast_parameters ADD COLUMN annual_dropout_rate_high DOUBLE PRECISION NOT NULL DEFAULT 0.09;
ALTER TABLE forecast_parameters ADD COLUMN retention_rate_low DOUBLE PRECISION NOT NULL DEFAULT 0.50;
ALTER TABLE forecast_parameters ADD COLUMN retention_rate_high DOUBLE PRECISION NOT NULL DEFAULT 0.70;
ALTER TABLE forecast_parameters ADD COLUMN targeted_retention_rate_low DOUBLE PRECISION NOT NULL DEFAULT 0.90;
ALTER TABLE forecast_parameters ADD COLUMN targeted_retention_rate_high DOUBLE PRECISION NOT NULL DEFAULT 1.00;
