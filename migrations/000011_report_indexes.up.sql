-- Indexes for the reports (internal/postgres/report.go). Active learners
-- are counted from the learning records and the last lesson access of the
-- last 30 days: without these, each overview would read a portal's every
-- statement and enrolment to find the recent ones.
CREATE INDEX statements_timestamp_idx ON statements (tenant_id, "timestamp");
CREATE INDEX enrolments_last_access_idx ON enrolments (tenant_id, last_access_at) WHERE last_access_at IS NOT NULL;
