-- A learner may share a reflection or an action plan with their manager,
-- item by item; nothing is shared until they say so.
ALTER TABLE block_responses ADD COLUMN shared_at timestamptz;

-- Paths can be assigned too: an assignment names a course or a path.
ALTER TABLE assignments ALTER COLUMN course_id DROP NOT NULL;
ALTER TABLE assignments
    ADD COLUMN path_id bigint,
    ADD CONSTRAINT assignments_path_fkey FOREIGN KEY (tenant_id, path_id) REFERENCES paths (tenant_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT assignments_one_object CHECK (num_nonnulls(course_id, path_id) = 1);
CREATE INDEX assignments_path_idx ON assignments (tenant_id, path_id) WHERE path_id IS NOT NULL;

ALTER TABLE path_enrolments
    ADD COLUMN source text NOT NULL DEFAULT 'self' CHECK (source IN ('self', 'assigned')),
    ADD COLUMN due_at timestamptz;

-- Due-date reminders sent, so each goes out once.
CREATE TABLE reminders (
    tenant_id    bigint NOT NULL,
    enrolment_id bigint NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    sent_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, enrolment_id, kind),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES enrolments (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reminders
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- The reminder job's scan, and "overdue" in reports.
CREATE INDEX enrolments_due_idx ON enrolments (tenant_id, due_at) WHERE status = 'active' AND due_at IS NOT NULL;
