-- AUTOINCREMENT is kept: giving old ids to new rows again would be the bug.
SELECT 1;
