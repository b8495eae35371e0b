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
