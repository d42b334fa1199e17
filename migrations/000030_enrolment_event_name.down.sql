ALTER TABLE webhook_endpoints NO FORCE ROW LEVEL SECURITY;
UPDATE webhook_endpoints
   SET events = array_replace(events, 'enrolment.created', 'enrollment.created')
 WHERE 'enrolment.created' = ANY (events);
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;

UPDATE org_webhook_endpoints
   SET events = array_replace(events, 'enrolment.created', 'enrollment.created')
 WHERE 'enrolment.created' = ANY (events);
