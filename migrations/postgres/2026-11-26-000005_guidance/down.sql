DROP TABLE event_registrations;
DROP TABLE event_professions;
DROP TABLE events;
