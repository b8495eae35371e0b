DROP INDEX event_registrations_code;
ALTER TABLE event_registrations DROP COLUMN code;
