DROP TABLE demand;
DROP TABLE pupil_interests;
DROP TABLE pupils;
DROP TABLE program_enrollments;
DROP TABLE program_intakes;
DROP TABLE program_professions;
DROP TABLE programs;
