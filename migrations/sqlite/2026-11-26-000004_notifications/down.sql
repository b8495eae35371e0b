DROP TABLE shortage_checks;
DROP TABLE shortages;
DROP TABLE invitations;
DROP TABLE outbox;
