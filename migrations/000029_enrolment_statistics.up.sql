-- A course id belongs to one tenant, so "tenant = t AND course = c" is as
-- selective as "course = c"; without telling the planner so, it multiplies
-- the two and expects a course of 5,000 learners to have 200. The course
-- report then sorts all its learners instead of walking them by name
-- (users_name_idx) and stopping at the page's 500: 16 ms against 3 ms.
CREATE STATISTICS enrolments_tenant_course (mcv, dependencies) ON tenant_id, course_id FROM enrolments;
ANALYZE enrolments;
