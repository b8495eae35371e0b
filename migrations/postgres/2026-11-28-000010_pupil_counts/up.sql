-- Pupils per school, grade and interest target, kept current by every write
-- of pupils and interests (in the same transaction), so that pupil counts
-- are read without grouping every pupil: ('all', 0) counts the pupils,
-- ('profession', id) and ('cluster', id) the pupils interested in it.
CREATE TABLE pupil_counts (
    school_id BIGINT NOT NULL,
    grade INTEGER NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('all', 'profession', 'cluster')),
    target_id BIGINT NOT NULL,
    pupils BIGINT NOT NULL,
    PRIMARY KEY (school_id, grade, target_kind, target_id)
);
INSERT INTO pupil_counts (school_id, grade, target_kind, target_id, pupils)
SELECT school_id, grade, 'all', 0, COUNT(*) FROM pupils GROUP BY school_id, grade;
INSERT INTO pupil_counts (school_id, grade, target_kind, target_id, pupils)
SELECT p.school_id, p.grade,
       CASE WHEN i.profession_id IS NOT NULL THEN 'profession' ELSE 'cluster' END,
       COALESCE(i.profession_id, i.cluster_id), COUNT(*)
FROM pupil_interests i JOIN pupils p ON p.id = i.pupil_id
GROUP BY p.school_id, p.grade,
         CASE WHEN i.profession_id IS NOT NULL THEN 'profession' ELSE 'cluster' END,
         COALESCE(i.profession_id, i.cluster_id);
