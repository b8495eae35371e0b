-- Career-guidance events (excursions, open days, trial lessons, workshops),
-- the pupils registered for them, and who attended.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('excursion', 'open_day', 'trial_lesson', 'workshop')),
    starts_at TIMESTAMP NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    -- Kept with every registration so that "never past capacity" is one conditional UPDATE.
    registered INTEGER NOT NULL CHECK (registered >= 0 AND registered <= capacity),
    min_grade INTEGER NOT NULL CHECK (min_grade BETWEEN 5 AND 11),
    hours DOUBLE PRECISION NOT NULL CHECK (hours >= 0.5 AND hours <= 40),
    cancelled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_starts_at ON events (starts_at);

CREATE TABLE event_professions (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    profession_id BIGINT NOT NULL REFERENCES professions (id),
    PRIMARY KEY (event_id, profession_id)
);

CREATE TABLE event_registrations (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    pupil_id BIGINT NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES organizations (id),
    attended BOOLEAN NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, pupil_id)
);
CREATE INDEX event_registrations_pupil ON event_registrations (pupil_id);
CREATE INDEX event_registrations_school ON event_registrations (school_id);
