-- The three sides of the pipeline: programs (colleges), pupils (schools), demand (enterprises).
CREATE TABLE programs (
    id INTEGER PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES organizations (id),
    specialty_code TEXT NOT NULL,
    title TEXT NOT NULL,
    entry_grade INTEGER NOT NULL CHECK (entry_grade IN (9, 11)),
    duration_months INTEGER NOT NULL CHECK (duration_months BETWEEN 1 AND 72),
    completion_rate DOUBLE PRECISION CHECK (completion_rate >= 0 AND completion_rate <= 1),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX programs_institution_id ON programs (institution_id);

CREATE TABLE program_professions (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    profession_id BIGINT NOT NULL REFERENCES professions (id),
    share DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (program_id, profession_id)
);
CREATE INDEX program_professions_profession_id ON program_professions (profession_id);

CREATE TABLE program_intakes (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    seats INTEGER NOT NULL CHECK (seats >= 0),
    targeted_seats INTEGER NOT NULL CHECK (targeted_seats >= 0 AND targeted_seats <= seats),
    PRIMARY KEY (program_id, year)
);

CREATE TABLE program_enrollments (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    start_year INTEGER NOT NULL,
    students INTEGER NOT NULL CHECK (students >= 0),
    PRIMARY KEY (program_id, start_year)
);

CREATE TABLE pupils (
    id INTEGER PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES organizations (id),
    external_ref TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 5 AND 11),
    academic_year INTEGER NOT NULL,
    consent BOOLEAN NOT NULL,
    display_name TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (school_id, external_ref),
    CHECK (consent OR display_name IS NULL)
);
CREATE INDEX pupils_school_grade ON pupils (school_id, grade);
CREATE INDEX pupils_grade_year ON pupils (grade, academic_year);

CREATE TABLE pupil_interests (
    id INTEGER PRIMARY KEY,
    pupil_id BIGINT NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    profession_id BIGINT REFERENCES professions (id),
    cluster_id BIGINT REFERENCES clusters (id),
    weight DOUBLE PRECISION NOT NULL CHECK (weight > 0),
    -- Kept with every write of the pupil's interests: the pupil's grade and
    -- academic year, and this interest's part of the pupil (its weight over
    -- the sum of the pupil's weights), so that the forecast sums interests
    -- per grade, year and target from this table and its covering index alone.
    grade INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    share DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
    CHECK ((profession_id IS NULL) <> (cluster_id IS NULL))
);
CREATE INDEX pupil_interests_pupil_id ON pupil_interests (pupil_id);
CREATE INDEX pupil_interests_forecast
    ON pupil_interests (grade, academic_year, profession_id, cluster_id, share);

CREATE TABLE demand (
    id INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES organizations (id),
    profession_id BIGINT NOT NULL REFERENCES professions (id),
    year INTEGER NOT NULL,
    headcount INTEGER NOT NULL CHECK (headcount BETWEEN 1 AND 100000),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX demand_profession_year ON demand (profession_id, year);
CREATE INDEX demand_enterprise_id ON demand (enterprise_id);
