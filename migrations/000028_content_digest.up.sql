-- A published version's content never changes (course_versions_immutable),
-- so a digest of it names the content: servers keep parsed content by its
-- digest and ask PostgreSQL for the content only when they lack it. The
-- library's courses, the same in every portal, share one entry.
--
-- convert_to is only stable (it depends on the database's encoding, which
-- never changes for a database): the wrapper says what holds here.
CREATE FUNCTION content_digest(content jsonb) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sha256(convert_to(content::text, 'UTF8'));

ALTER TABLE course_versions
    ADD COLUMN content_digest bytea GENERATED ALWAYS AS (content_digest(content)) STORED;
