-- Indexes in the order two grouped reads walk, so that neither sorts first:
-- the region's counts by interest target (20,000-odd cells of pupil_counts)
-- and a page of events' registrations per school (their protected counts).
CREATE INDEX pupil_counts_by_target ON pupil_counts (target_kind, target_id, pupils);
CREATE INDEX event_registrations_event_school ON event_registrations (event_id, school_id);
