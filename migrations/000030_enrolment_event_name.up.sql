-- One spelling of enrolment everywhere: the webhook event enrollment.created
-- is now enrolment.created, as the REST API spells it (/api/v1/enrolments).
-- Endpoints that subscribed to the old name hear the new one; the old name
-- stays accepted when subscribing (webhook.Canonical).
--
-- webhook_endpoints forces row-level security even on its owner, and a
-- migration has no tenant: the owner lifts the force for this one
-- statement, inside the migration's transaction.
ALTER TABLE webhook_endpoints NO FORCE ROW LEVEL SECURITY;
UPDATE webhook_endpoints
   SET events = array_replace(events, 'enrollment.created', 'enrolment.created')
 WHERE 'enrollment.created' = ANY (events);
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;

UPDATE org_webhook_endpoints
   SET events = array_replace(events, 'enrollment.created', 'enrolment.created')
 WHERE 'enrollment.created' = ANY (events);
