-- Each registration for an event gets an opaque code (a ticket): the
-- organizer marks attendance on the codes it was given, never on pupil ids.
ALTER TABLE event_registrations ADD COLUMN code TEXT NOT NULL DEFAULT '';
UPDATE event_registrations SET code = substr(md5(gen_random_uuid()::text), 1, 16);
CREATE UNIQUE INDEX event_registrations_code ON event_registrations (event_id, code);
