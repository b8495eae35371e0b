DROP TABLE pupil_counts;
