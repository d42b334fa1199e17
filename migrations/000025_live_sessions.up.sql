-- Live sessions: instructor-led events of a course (and optionally steps
-- of paths), with registrations, a waitlist, attendance and calendar feeds.
CREATE TABLE live_sessions (
    tenant_id   bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    course_id   bigint NOT NULL,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    -- Instants; time_zone is the zone they were entered in (the .ics TZID
    -- and the wall clock the instructor meant).
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    time_zone   text NOT NULL,
    capacity    integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    meeting_url text NOT NULL DEFAULT '',
    room        text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    -- iCalendar SEQUENCE: moves on with every reschedule and the
    -- cancellation; reminder jobs carry it and do nothing once it moved.
    sequence    integer NOT NULL DEFAULT 0,
    -- River jobs of the pending reminders, cancelled when the time moves.
    reminder_job_ids bigint[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    CHECK (ends_at > starts_at),
    CHECK (meeting_url <> '' OR room <> '')
);
CREATE INDEX live_sessions_course_idx ON live_sessions (tenant_id, course_id, starts_at);
CREATE INDEX live_sessions_starts_idx ON live_sessions (tenant_id, starts_at);

CREATE TABLE live_session_instructors (
    tenant_id  bigint NOT NULL,
    session_id bigint NOT NULL,
    user_id    bigint NOT NULL,
    PRIMARY KEY (tenant_id, session_id, user_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES live_sessions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX live_session_instructors_user_idx ON live_session_instructors (tenant_id, user_id);

-- Arrival order across registrations: taken while the session row is
-- locked, so it is the order seats and waitlist places were given.
CREATE SEQUENCE live_session_arrival_seq;

CREATE TABLE live_session_registrations (
    tenant_id     bigint NOT NULL,
    session_id    bigint NOT NULL,
    user_id       bigint NOT NULL,
    status        text NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    arrival       bigint NOT NULL DEFAULT nextval('live_session_arrival_seq'),
    registered_at timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    attendance    text CHECK (attendance IN ('present', 'absent', 'excused')),
    attendance_note text NOT NULL DEFAULT '' CHECK (length(attendance_note) <= 1000),
    attendance_marked_at timestamptz,
    PRIMARY KEY (tenant_id, session_id, user_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES live_sessions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    CHECK (attendance IS NULL OR status = 'registered')
);
-- Seats taken and the waitlist in arrival order.
CREATE INDEX live_session_registrations_queue_idx ON live_session_registrations (tenant_id, session_id, status, arrival);
-- A person's sessions (their calendar feed, their pages).
CREATE INDEX live_session_registrations_user_idx ON live_session_registrations (tenant_id, user_id);

-- A person's calendar feed: only the SHA-256 of its secret token is kept.
CREATE TABLE calendar_feeds (
    tenant_id  bigint NOT NULL,
    user_id    bigint NOT NULL,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX calendar_feeds_token_key ON calendar_feeds (tenant_id, token_hash);

-- A path step is a course or a live session.
ALTER TABLE path_steps ALTER COLUMN course_id DROP NOT NULL;
ALTER TABLE path_steps ADD COLUMN session_id bigint;
ALTER TABLE path_steps ADD FOREIGN KEY (tenant_id, session_id) REFERENCES live_sessions (tenant_id, id);
ALTER TABLE path_steps ADD CHECK (num_nonnulls(course_id, session_id) = 1);
ALTER TABLE path_steps ADD UNIQUE (tenant_id, path_id, session_id);
CREATE INDEX path_steps_session_idx ON path_steps (tenant_id, session_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['live_sessions', 'live_session_instructors', 'live_session_registrations', 'calendar_feeds'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
