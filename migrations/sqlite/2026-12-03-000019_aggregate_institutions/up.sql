-- An institution or employer may stand for a statistical group (the rest of a
-- region's colleges in a field): its programs are labelled so and are no
-- candidates of the seat planner unless named.
ALTER TABLE organizations ADD COLUMN aggregate BOOLEAN NOT NULL DEFAULT FALSE;
