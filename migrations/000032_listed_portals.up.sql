-- Portals shown on the platform's public home page: only those an
-- operator chose to list. Until now every portal was, white-label clients
-- of resellers included; none is listed after this migration but by an
-- operator's choice (the demo seed lists its demo portal).
ALTER TABLE tenants ADD COLUMN listed boolean NOT NULL DEFAULT false;
