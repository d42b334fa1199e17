package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// notTenantOwned lists every table of the application's schema that is
// deliberately not a portal's, with the reason. Every other table must be
// tenant-owned (TestCatalog_EveryTableIsTenantOwnedOrListed), so a new
// table is either put behind row-level security or argued for here.
var notTenantOwned = map[string]string{
	// Found from the request's host, before any portal is known.
	"tenants":        "the portals themselves",
	"tenant_domains": "custom domains, looked up from the host; the primary key keeps a domain unique across portals",
	// Reached before a portal is known, or for every portal at once.
	"sessions":          "scs's store, keyed by a secret token; a portal session records its tenant and is refused on another portal",
	"certificate_codes": "maps a certificate's code to its portal for the public /verify page; the certificate itself is read in its portal",
	"mail_outbox":       "a portal's mail and the platform's (tenant_id NULL) in one queue; behind its own policy (TestCatalog_MailIsSeenByItsPortalOnly)",
	"api_keys":          "the registry of every key's id and scope (account, reseller or portal), so ids are unique across scopes; nothing secret",
	// Organisations above portals, and the platform's own: every query
	// names the account, reseller or operator.
	"accounts":                 "customers owning portals",
	"resellers":                "resellers owning client portals",
	"console_members":          "people of an account or reseller",
	"console_invitations":      "invitations to an account's or reseller's console",
	"org_api_keys":             "an account's or reseller's API keys",
	"org_api_idempotency_keys": "idempotency keys of those API keys",
	"org_webhook_endpoints":    "an account's or reseller's webhooks",
	"org_webhook_deliveries":   "their deliveries",
	"operators":                "platform operators",
	"platform_audit_events":    "the platform's audit log",
	"platform_secrets":         "the platform's signing keys",
	"rate_counters":            "request counts of the rate limits, by client address, account or API key",
	// Infrastructure.
	"river_job":          "River's queue, shared by every portal's jobs",
	"river_leader":       "River's leader election",
	"river_notification": "River's notifications",
	"river_queue":        "River's queues",
	"schema_migrations":  "golang-migrate's schema version",
}

// appSchemas is where the application's tables live: every schema but
// PostgreSQL's own.
const appSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'`

// catalogTable is a table of the application's schema as the catalog
// describes it.
type catalogTable struct {
	Name          string
	HasTenantID   bool
	RLS, Forced   bool
	PolicyDefs    []string // name, command, permissive, roles, USING and WITH CHECK of each policy
	PrimaryKeyCol string   // the primary key's first column
}

func readCatalog(t *testing.T, db *postgres.DB) []catalogTable {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped),
		       c.relrowsecurity, c.relforcerowsecurity,
		       coalesce((SELECT array_agg(format('%s %s %s %s USING %s CHECK %s', p.polname, p.polcmd,
		                         CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
		                         p.polroles::regrole[], pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
		                         ORDER BY p.polname)
		                 FROM pg_policy p WHERE p.polrelid = c.oid), '{}'),
		       coalesce((SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
		                 WHERE i.indrelid = c.oid AND i.indisprimary), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND `+appSchemas+`
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalogTable, error) {
		var c catalogTable
		err := row.Scan(&c.Name, &c.HasTenantID, &c.RLS, &c.Forced, &c.PolicyDefs, &c.PrimaryKeyCol)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// tenantTables are the tables of the catalog that belong to portals (a
// table neither listed nor with tenant_id fails
// TestCatalog_EveryTableIsTenantOwnedOrListed).
func tenantTables(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	var out []string
	for _, c := range readCatalog(t, db) {
		if _, listed := notTenantOwned[c.Name]; !listed && c.HasTenantID {
			out = append(out, c.Name)
		}
	}
	return out
}

// testDatabase is a fresh database with its owner's URL, for tests that
// need the owner too; passwords are hashed at the test cost, as through
// fixture.DB.
func testDatabase(t *testing.T) *pgtest.Database {
	t.Helper()
	if err := user.SetHashCost(user.TestCost); err != nil {
		t.Fatal(err)
	}
	return pgtest.New(t)
}

// Every table is a portal's, behind row-level security, or named with its
// reason in notTenantOwned; the list names no table that is gone.
func TestCatalog_EveryTableIsTenantOwnedOrListed(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t)
	tables := readCatalog(t, db)
	seen := map[string]bool{}
	owned := 0
	// The one policy every tenant table has: it admits and accepts the
	// tenant's rows only, for every command and every role, and fails
	// closed when no tenant is set (current_tenant_id() is NULL).
	const policy = "tenant_isolation * permissive {-} USING (tenant_id = current_tenant_id()) CHECK (tenant_id = current_tenant_id())"
	for _, c := range tables {
		seen[c.Name] = true
		if _, listed := notTenantOwned[c.Name]; listed {
			continue
		}
		owned++
		if !c.HasTenantID {
			t.Errorf("%s has no tenant_id and is not in notTenantOwned: make it a portal's (tenant_id, RLS) or list it with the reason", c.Name)
			continue
		}
		if !c.RLS || !c.Forced {
			t.Errorf("%s: row-level security enabled %v, forced %v; want both (the owner is bound too)", c.Name, c.RLS, c.Forced)
		}
		// A second permissive policy would widen what the first admits.
		if len(c.PolicyDefs) != 1 || c.PolicyDefs[0] != policy {
			t.Errorf("%s: policies %q, want exactly %q", c.Name, c.PolicyDefs, policy)
		}
		if c.PrimaryKeyCol != "tenant_id" {
			t.Errorf("%s: primary key leads with %q, want tenant_id", c.Name, c.PrimaryKeyCol)
		}
	}
	for _, c := range tables {
		if c.Name != "mail_outbox" {
			continue
		}
		// A portal sees its own mail, the platform (no portal set) its own.
		const mailPolicy = "portal_or_platform * permissive {-} USING (NOT (tenant_id IS DISTINCT FROM current_tenant_id())) CHECK (NOT (tenant_id IS DISTINCT FROM current_tenant_id()))"
		if !c.RLS || !c.Forced || len(c.PolicyDefs) != 1 || c.PolicyDefs[0] != mailPolicy {
			t.Errorf("mail_outbox: RLS %v, forced %v, policies %q; want exactly %q", c.RLS, c.Forced, c.PolicyDefs, mailPolicy)
		}
	}
	for name := range notTenantOwned {
		if !seen[name] {
			t.Errorf("notTenantOwned lists %s, which is no table: remove it", name)
		}
	}
	if owned < 30 {
		t.Errorf("only %d tenant tables of %d", owned, len(tables))
	}
	t.Logf("%d tables: %d tenant-owned, %d listed as not", len(tables), owned, len(tables)-owned)
}

// tenant_id leads every index of a tenant table, so every lookup the
// indexes serve is within one portal (and the tables can be distributed
// by tenant). An expression index starts with column 0 and fails too.
func TestCatalog_TenantIDLeadsEveryIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	tables := tenantTables(t, db)
	rows, err := db.Pool.Query(ctx, `
		SELECT c.relname, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
		WHERE c.relname = ANY ($1) AND n.nspname = 'public' AND a.attname IS DISTINCT FROM 'tenant_id'
		ORDER BY 1, 2`, tables)
	if err != nil {
		t.Fatal(err)
	}
	var table, def string
	if _, err := pgx.ForEachRow(rows, []any{&table, &def}, func() error {
		t.Errorf("%s: %s does not lead with tenant_id", table, def)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var indexes int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relname = ANY ($1) AND c.relnamespace = 'public'::regnamespace`, tables).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d indexes of %d tenant tables", indexes, len(tables))
}

// Tables can be distributed by tenant (Citus): every foreign key from a
// tenant table to another table with tenant_id includes tenant_id, so a
// join between them never leaves one tenant's node. The platform tables
// that mention a tenant are keyed otherwise, by design.
func TestTenantTablesCanBeDistributedByTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	rows, err := db.Pool.Query(ctx, `
		SELECT c.relname, 'primary key ' || pg_get_constraintdef(k.oid)
		FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
		WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND k.conkey[1] <> a.attnum
		UNION ALL
		SELECT c.relname, 'foreign key ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attname = 'tenant_id' AND NOT fa.attisdropped
		WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace AND NOT (a.attnum = ANY (k.conkey))
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var table, what string
	exceptions := map[string]bool{}
	if _, err := pgx.ForEachRow(rows, []any{&table, &what}, func() error {
		if _, listed := notTenantOwned[table]; !listed {
			t.Errorf("%s: %s does not lead with tenant_id", table, what)
		}
		exceptions[table] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, platform := range []string{"tenant_domains", "mail_outbox", "certificate_codes"} {
		if !exceptions[platform] {
			t.Errorf("%s, a platform table keyed without tenant_id, was not seen: is this test still reading the catalog?", platform)
		}
	}
}

// The role the server's queries run as can do nothing that row-level
// security does not govern: it owns nothing (an owner can turn RLS off),
// bypasses nothing, cannot make roles, databases or objects of its own,
// may not truncate, and inherits from no other role.
func TestCatalog_RuntimeRoleOwnsNothingAndBypassesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	var current string
	var super, bypass, createRole, createDB, replication, login bool
	if err := db.Pool.QueryRow(ctx, `
		SELECT current_user, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolcanlogin
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&current, &super, &bypass, &createRole, &createDB, &replication, &login); err != nil {
		t.Fatal(err)
	}
	if current != postgres.RuntimeRole {
		t.Fatalf("the runtime pool runs as %q, want %q", current, postgres.RuntimeRole)
	}
	for what, has := range map[string]bool{"SUPERUSER": super, "BYPASSRLS": bypass, "CREATEROLE": createRole, "CREATEDB": createDB, "REPLICATION": replication, "LOGIN": login} {
		if has {
			t.Errorf("%s has %s", current, what)
		}
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT 'relation ' || c.oid::regclass || ' (' || c.relkind::text || ')' FROM pg_class c WHERE c.relowner = current_user::regrole
		UNION ALL SELECT 'function ' || p.oid::regprocedure FROM pg_proc p WHERE p.proowner = current_user::regrole
		UNION ALL SELECT 'schema ' || n.nspname FROM pg_namespace n WHERE n.nspowner = current_user::regrole
		UNION ALL SELECT 'type ' || t.oid::regtype FROM pg_type t WHERE t.typowner = current_user::regrole
		UNION ALL SELECT 'database ' || d.datname FROM pg_database d WHERE d.datdba = current_user::regrole
		UNION ALL SELECT 'member of ' || m.roleid::regrole FROM pg_auth_members m WHERE m.member = current_user::regrole
		UNION ALL SELECT 'CREATE on schema ' || n.nspname FROM pg_namespace n WHERE `+appSchemas+` AND has_schema_privilege(n.oid, 'CREATE')
		UNION ALL SELECT 'CREATE on this database' WHERE has_database_privilege(current_database(), 'CREATE')
		-- TRUNCATE empties a table whatever its policies; REFERENCES and
		-- TRIGGER reach rows from outside them.
		UNION ALL SELECT p || ' on ' || c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) p
		WHERE c.relkind IN ('r', 'p') AND `+appSchemas+` AND has_table_privilege(c.oid, p)`)
	if err != nil {
		t.Fatal(err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s: %s", current, f)
	}
	// A function running as its definer, or a view with its owner's
	// rights, would read as the tables' owner.
	rows, err = db.Pool.Query(ctx, `
		SELECT 'security definer function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE p.prosecdef AND `+appSchemas+`
		UNION ALL
		SELECT 'view without security_invoker ' || c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('v', 'm') AND `+appSchemas+` AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`)
	if err != nil {
		t.Fatal(err)
	}
	found, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s reads as its owner", f)
	}
}

// leftEmpty are tenant tables the catalog fixture leaves without rows,
// with the reason; every other tenant table gets rows.
var leftEmpty = map[string]string{}

// With no tenant set, every tenant table reads as empty through the
// runtime pool, after a fixture that puts rows in every one of them; with
// a tenant set, exactly that tenant's rows.
func TestCatalog_WithoutATenantEveryTenantTableIsEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testDatabase(t)
	portals := []portalFixture{fillPortal(t, d.DB, "acme", "Acme"), fillPortal(t, d.DB, "globex", "Globex")}
	owner, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	tables := tenantTables(t, d.DB)
	rowsIn := 0
	for _, table := range tables {
		ident := pgx.Identifier{table}.Sanitize()
		// As the owner, with RLS no longer forced for this transaction
		// only: every row, whatever its tenant.
		perTenant := map[int64]int{}
		tx, err := owner.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "ALTER TABLE "+ident+" NO FORCE ROW LEVEL SECURITY"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "SELECT tenant_id, count(*) FROM "+ident+" GROUP BY 1")
		if err != nil {
			t.Fatal(err)
		}
		var tenantID int64
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&tenantID, &n}, func() error { perTenant[tenantID] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range perTenant {
			total += n
		}
		rowsIn += total
		if _, why := leftEmpty[table]; total == 0 && !why {
			t.Errorf("%s has no rows: the fixture must fill it, or list it in leftEmpty with the reason", table)
		}

		var unset int
		if err := d.DB.Pool.QueryRow(ctx, "SELECT count(*) FROM "+ident).Scan(&unset); err != nil {
			t.Fatal(err)
		}
		var inTx int
		if err := d.DB.InTx(ctx, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM "+ident).Scan(&inTx)
		}); err != nil {
			t.Fatal(err)
		}
		if unset != 0 || inTx != 0 {
			t.Errorf("%s: without a tenant the runtime role reads %d rows (%d in a transaction) of %d", table, unset, inTx, total)
		}
		for _, p := range append(portals, portalFixture{TenantID: 1_000_000}) {
			var own, foreign int
			if err := d.DB.InTenantTx(ctx, p.TenantID, func(tx *postgres.Tx) error {
				return tx.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1) FROM "+ident, p.TenantID).Scan(&own, &foreign)
			}); err != nil {
				t.Fatal(err)
			}
			if own != perTenant[p.TenantID] || foreign != 0 {
				t.Errorf("%s: tenant %d reads %d rows (%d another's), want its %d", table, p.TenantID, own, foreign, perTenant[p.TenantID])
			}
		}
	}
	for table := range leftEmpty {
		if !slices.Contains(tables, table) {
			t.Errorf("leftEmpty lists %s, which is no tenant table", table)
		}
	}
	t.Logf("%d tenant tables, %d rows in %d portals", len(tables), rowsIn, len(portals))
}

// portalFixture is a portal whose every table has rows, named after it
// (its people, groups, courses and path carry Marker) so that a read
// showing another portal's row gives itself away.
type portalFixture struct {
	TenantID int64
	Slug     string
	Marker   string
	AdminID  int64
	Learners []int64
	CourseID int64
	GroupID  int64
}

// fillPortal makes a portal and puts rows in (nearly) every tenant table
// through the services, as the server would.
func fillPortal(t *testing.T, db *postgres.DB, slug, marker string) portalFixture {
	t.Helper()
	ctx := context.Background()
	by := postgres.AuditActor{Label: "catalog test"}
	fatal := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %s: %v", slug, what, err)
		}
	}
	email := func(local string) string { return local + "@" + slug + ".test" }
	person := func(local string, role user.Role) fixture.Person {
		return fixture.Person{Email: email(local), Name: marker + " " + local, Roles: []user.Role{role}}
	}
	// The admin is Ana's and Bo's manager (a plan comment, a nudge).
	report := func(local string) fixture.Person {
		p := person(local, user.Learner)
		p.Manager = email("admin")
		return p
	}
	// Ana completes the course (responses, a quiz attempt, progress,
	// learning records, a certificate, below); Bo is assigned it, due
	// tomorrow, and reminded; Cy enrols.
	due := db.Now().Add(24 * time.Hour)
	p := fixture.Build(t, db, fixture.Spec{Slug: slug, Name: marker, Plan: "enterprise",
		People: []fixture.Person{person("admin", user.Admin), person("teacher", user.Instructor),
			report("ana"), report("bo"), person("cy", user.Learner)},
		Groups:  []fixture.Group{{Name: marker + " Team", Members: []string{email("ana"), email("bo"), email("cy")}}},
		Courses: []fixture.Course{{Slug: example, Title: marker + " Course"}},
		Paths: []fixture.Path{{Slug: slug + "-path", Title: marker + " Path", Courses: []string{example},
			SelfAssessment: []string{marker + " one", marker + " two", marker + " three"}}},
		Progress: []fixture.Progress{{Who: email("bo"), Course: example, Due: &due}, {Who: email("cy"), Course: example}},
	})
	ten, rec := p.Tenant, p.Courses[example]
	f := portalFixture{TenantID: ten.ID, Slug: slug, Marker: marker, AdminID: p.Person(t, email("admin")).ID,
		CourseID: rec.ID, GroupID: p.Groups[marker+" Team"].ID}
	for _, local := range []string{"ana", "bo", "cy"} {
		f.Learners = append(f.Learners, p.Person(t, email(local)).ID)
	}
	teacher := p.Person(t, email("teacher")).ID
	outbox := insertOnlyOutbox(t)
	users := postgres.NewUserService(db, outbox, func(tenant.Tenant) string { return "http://" + slug + ".localhost" })
	_, err := users.Invite(ctx, ten, postgres.Invitation{Email: "newcomer@" + slug + ".test", Name: marker + " Newcomer", Roles: []user.Role{user.Learner}}, by)
	fatal("invitation", err)

	courses := postgres.NewCourseService(db)
	fatal("file", courses.RecordUpload(ctx, ten.ID, "f-0123456789abcdef0123456789abcdef.png", by))
	_, err = postgres.NewTenantService(db).SaveCertificateDesign(ctx, ten.ID, certificate.Design{Layout: certificate.Minimal,
		SignerName: marker + " Signer"}, by)
	fatal("certificate design", err)
	paths := postgres.NewPathService(db)
	fatal("path start", paths.StartPath(ctx, ten.ID, f.Learners[0], p.Paths[slug+"-path"].ID))
	fatal("self-assessment", paths.RateSelf(ctx, ten.ID, f.Learners[0], slug+"-path", course.PhaseStart, []int{2, 3, 4}))

	learn := postgres.NewLearningService(db)
	ana, cy := f.Learners[0], f.Learners[2]
	_, err = learn.Enrol(ctx, ten.ID, ana, rec.ID, learning.SelfEnrolled)
	fatal("enrol", err)
	lc, err := learn.FindLearnerCourse(ctx, ten.ID, ana, rec.Slug)
	fatal("learner course", err)
	fatal("reflection", learn.SaveReflection(ctx, ten.ID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), marker+" thought", true))
	_, err = learn.SubmitQuiz(ctx, ten.ID, lc, lessonTwo, blockOf(lc, lessonTwo, course.KindQuiz), 1, right)
	fatal("quiz", err)
	plan := blockOf(lc, lessonTwo, course.KindChecklist)
	fatal("plan", learn.SaveChecklist(ctx, ten.ID, lc, lessonTwo, plan, make([]postgres.ChecklistItemState, 2), true))
	_, err = learn.CommentOnPlan(ctx, ten.ID, f.AdminID, ana, lc.Enrolment.ID, plan, marker+" comment", by)
	fatal("plan comment", err)
	_, err = learn.NudgeReport(ctx, ten.ID, f.AdminID, f.Learners[1], rec.ID, by)
	fatal("nudge", err)
	_, err = postgres.SendDueReminders(ctx, db, outbox, func(tenant.Tenant) string { return "http://" + slug + ".localhost" }, db.Now())
	fatal("reminders", err)

	talk := postgres.NewDiscussionService(db)
	thread := postgres.ThreadRef{CourseID: rec.ID, Lesson: lessonOne}
	post, err := talk.CreatePost(ctx, ten.ID, postgres.Viewer{UserID: ana}, thread, 0, marker+" post")
	fatal("post", err)
	_, err = talk.ToggleHelpful(ctx, ten.ID, postgres.Viewer{UserID: cy}, post.PostID)
	fatal("reaction", err)
	_, err = talk.ReportPost(ctx, ten.ID, postgres.Viewer{UserID: cy}, post.PostID, "off topic")
	fatal("report", err)

	notes := postgres.NewNotificationService(db)
	fatal("notification", notes.Notify(ctx, ten.ID, notify.Note{UserID: ana, Kind: notify.Mention, Title: marker + " mention"}))
	fatal("preferences", notes.SavePreferences(ctx, ten.ID, ana, map[notify.Kind]notify.Channel{notify.Reply: notify.Daily}))
	fatal("activity opt-out", postgres.NewActivityService(db).SetHidesActivity(ctx, ten.ID, cy, true))

	live := postgres.NewLiveSessionService(db)
	start := db.Now().Add(72 * time.Hour)
	session, err := live.CreateSession(ctx, ten.ID, postgres.SessionPlan{CourseID: rec.ID, Instructors: []int64{teacher},
		Details: livesession.Details{Title: marker + " Session", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 5, Room: "Room 1"}}, by)
	fatal("live session", err)
	_, err = live.Register(ctx, ten.ID, session.ID, ana)
	fatal("registration", err)
	_, err = live.NewCalendarFeed(ctx, ten.ID, ana)
	fatal("calendar feed", err)

	hooks := postgres.NewWebhookService(db, true)
	hook, _, err := hooks.CreateEndpoint(ctx, ten.ID, webhook.Endpoint{URL: "http://127.0.0.1:9/" + slug, Events: []string{webhook.UserCreated}}, by)
	fatal("webhook", err)
	fatal("webhook delivery", hooks.SendTestEvent(ctx, ten.ID, hook.ID, by))

	keys := postgres.NewAPIKeyService(db)
	key, _, err := keys.CreatePortalKey(ctx, ten.ID, marker+" Key", []apikey.Permission{apikey.UsersRead}, by)
	fatal("api key", err)
	hash := sha256.Sum256([]byte("POST /api/v1/users {}"))
	_, _, err = keys.BeginIdempotent(ctx, key, "catalog-"+slug, hash[:], time.Minute)
	fatal("idempotency key", err)

	// A SCORM course, launched once: a package and an attempt.
	sco := postgres.NewScormService(db, t.TempDir())
	zip := scormtest.Package(t)
	scoCourse, pkg, err := sco.ImportPackage(ctx, ten.ID, postgres.ScormImport{Zip: bytes.NewReader(zip), Size: int64(len(zip)), UserID: f.AdminID}, by)
	fatal("scorm package", err)
	_, err = courses.Publish(ctx, ten.ID, scoCourse.ID, "", by)
	fatal("scorm publish", err)
	_, err = learn.Enrol(ctx, ten.ID, ana, scoCourse.ID, learning.SelfEnrolled)
	fatal("scorm enrol", err)
	slc, err := learn.FindLearnerCourse(ctx, ten.ID, ana, scoCourse.Slug)
	fatal("scorm learner course", err)
	lesson := slc.Content.Modules[0].Lessons[0]
	_, err = sco.Commit(ctx, postgres.ScormLaunch{Tenant: ten.ID, User: ana, Course: scoCourse.ID, Enrolment: slc.Enrolment.ID,
		CourseAttempt: slc.Enrolment.Attempt, Lesson: lesson.Key, Block: lesson.Blocks[0].Key, Package: pkg.ID, Attempt: 1},
		map[string]any{"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "page-2"})
	fatal("scorm commit", err)
	return f
}
