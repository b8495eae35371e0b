-- One demand record per enterprise, profession and year. Where an
-- enterprise posted the same profession and year more than once, the
-- records are merged into the oldest: their headcounts summed (at most
-- 100000), the others deleted, and an audit line says so.
CREATE TEMPORARY TABLE demand_merged AS
    SELECT MIN(id) AS keep, COUNT(*) AS records, MIN(SUM(headcount), 100000) AS headcount
    FROM demand GROUP BY enterprise_id, profession_id, year HAVING COUNT(*) > 1;
UPDATE demand SET headcount = (SELECT m.headcount FROM demand_merged m WHERE m.keep = demand.id),
                  updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE id IN (SELECT keep FROM demand_merged);
INSERT INTO audit_log (at, actor_id, entity, entity_id, action, changes)
    SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), NULL, 'demand', keep, 'update',
           '{"merged_records":' || records || ',"headcount":' || headcount
           || ',"why":"one record per enterprise, profession and year"}'
    FROM demand_merged;
DELETE FROM demand WHERE id NOT IN (
    SELECT MIN(id) FROM demand GROUP BY enterprise_id, profession_id, year);
DROP TABLE demand_merged;
CREATE UNIQUE INDEX demand_one_per_year ON demand (enterprise_id, profession_id, year);
