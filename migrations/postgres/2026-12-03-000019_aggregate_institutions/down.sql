ALTER TABLE organizations DROP COLUMN aggregate;
