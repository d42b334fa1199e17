package api_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/api"
	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// orgs are the organisations of the provisioning tests: the resellers
// northwind (client contoso) and southwind (client rival), and the
// accounts of acme and globex, each owning its portal.
type orgs struct {
	northwind, southwind postgres.Org
	acme, globex         postgres.Org
	contoso, rival       tenant.Tenant
}

func (e *env) orgs() orgs {
	e.t.Helper()
	ctx := context.Background()
	resellers := postgres.NewResellerService(e.db)
	var o orgs
	for _, r := range []struct {
		slug, name, client string
		org                *postgres.Org
		portal             *tenant.Tenant
	}{{"northwind", "Northwind Partners", "contoso", &o.northwind, &o.contoso}, {"southwind", "Southwind Partners", "rival", &o.southwind, &o.rival}} {
		rs, err := resellers.CreateReseller(ctx, r.slug, r.name, by)
		if err != nil {
			e.t.Fatal(err)
		}
		r.org.ResellerID = &rs.ID
		if *r.portal, err = e.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: r.client, Name: strings.ToUpper(r.client[:1]) + r.client[1:], ResellerID: &rs.ID}, by); err != nil {
			e.t.Fatal(err)
		}
	}
	o.acme.AccountID, o.globex.AccountID = &e.acme.AccountID, &e.globex.AccountID
	return o
}

// portalsState is every portal's name, status, plan and seats: what a
// provisioning call could change.
func (e *env) portalsState() string {
	var s string
	e.db.Pool.QueryRow(context.Background(), `SELECT string_agg(slug || name || status || plan || seat_limit, ';' ORDER BY id) FROM tenants`).Scan(&s)
	return s
}

// Every provisioning operation, called on the platform host: refused
// without a key, with a malformed, revoked or wrong key or a portal's key
// (401), with a key lacking its permission (403); and with every
// permission, another organisation's portals are not found (404): another
// reseller's client, a portal of no reseller, another account's portal,
// a reseller's client to an account. Nothing changes.
func TestEveryProvisioningOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	ctx := context.Background()
	o := e.orgs()
	before := e.portalsState()

	full := e.orgKey(o.northwind)
	revokedKey, revoked, err := e.keys.CreateOrgKey(ctx, o.northwind, 0, "old", apikey.OrgPermissions, by)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.keys.RevokeOrgKey(ctx, o.northwind, 0, revokedKey.ID, by); err != nil {
		t.Fatal(err)
	}
	wrongSecret := full[:len(full)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(full, "a")]
	without := map[apikey.Permission]string{
		apikey.PortalsRead:  e.orgKey(o.northwind, apikey.PortalsWrite),
		apikey.PortalsWrite: e.orgKey(o.northwind, apikey.PortalsRead),
	}
	acmeAccount := e.orgKey(o.acme)
	bodies := map[string]map[string]any{
		"POST /portals":       {"slug": "intruder", "name": "Intruder", "admin_email": "x@intruder.test"},
		"PATCH /portals/{id}": {"name": "Hacked"},
	}
	param := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	ran := 0
	for _, op := range api.Operations() {
		if op.Host != "platform" {
			continue
		}
		ran++
		name := op.Method + " " + op.Path
		t.Run(name, func(t *testing.T) {
			var body any
			if b, ok := bodies[name]; ok {
				body = b
			}
			withOnes := api.Prefix + param.ReplaceAllString(op.Path, "1")
			for label, token := range map[string]string{"NoKey": "", "Malformed": "upw_nonsense", "WrongSecret": wrongSecret,
				"Revoked": revoked, "APortalsKey": e.key(e.acme.Tenant), "NotBearer": ""} {
				r := e.call(t, platform, op.Method, withOnes, token, body)
				if label == "NotBearer" {
					r = e.call(t, platform, op.Method, withOnes, "", body, "Authorization", "Basic "+full)
				}
				if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("%s: status %d, WWW-Authenticate %q; want 401", label, r.status, r.header.Get("WWW-Authenticate"))
				}
				isProblem(t, r, "unauthorized")
			}
			r := e.call(t, platform, op.Method, withOnes, without[apikey.Permission(op.Permission)], body)
			if r.status != http.StatusForbidden || !strings.Contains(string(r.body), op.Permission) {
				t.Errorf("without %s: status %d, want 403 naming it: %s", op.Permission, r.status, r.body)
			}
			isProblem(t, r, "forbidden")
			if !param.MatchString(op.Path) {
				return
			}
			for _, c := range []struct {
				label, key string
				portal     tenant.Tenant
			}{
				{"AnotherResellersClient", full, o.rival},
				{"APortalOfNoReseller", full, e.acme.Tenant},
				{"AnotherAccountsPortal", acmeAccount, e.globex.Tenant},
				{"AResellersClientToAnAccount", acmeAccount, o.contoso},
			} {
				path := api.Prefix + param.ReplaceAllString(op.Path, strconv.FormatInt(c.portal.ID, 10))
				r := e.call(t, platform, op.Method, path, c.key, body)
				if r.status != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404: %s", c.label, r.status, r.body)
				}
				isProblem(t, r, "not-found")
				if strings.Contains(string(r.body), c.portal.Name) || strings.Contains(string(r.body), c.portal.Slug) {
					t.Errorf("%s: the answer names the portal: %s", c.label, r.body)
				}
			}
			if r := e.call(t, platform, op.Method, api.Prefix+param.ReplaceAllString(op.Path, "x1"), full, body); r.status != http.StatusNotFound {
				t.Errorf("a malformed ID: status %d, want 404", r.status)
			}
		})
	}
	if ran < 5 {
		t.Errorf("only %d provisioning operations", ran)
	}
	if after := e.portalsState(); after != before {
		t.Errorf("portals changed:\n%s\n%s", before, after)
	}

	t.Run("AnOrgKeyIsUnknownOnAPortalsHost", func(t *testing.T) {
		if r := e.call(t, "acme", "GET", "/api/v1/users", acmeAccount, nil); r.status != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", r.status)
		}
	})
	t.Run("ASuspendedResellersKeysAreRefused", func(t *testing.T) {
		if _, err := postgres.NewResellerService(e.db).SetResellerStatus(ctx, *o.southwind.ResellerID, postgres.ResellerSuspended, by); err != nil {
			t.Fatal(err)
		}
		r := e.call(t, platform, "GET", "/api/v1/portals", e.orgKey(o.southwind), nil)
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "suspended") {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
}

// portalJSON is the API's portal, as a client reads it.
type portalJSON struct {
	ID               int64  `json:"id"`
	Slug             string `json:"slug"`
	Name             string `json:"name"`
	URL              string `json:"url"`
	Status           string `json:"status"`
	Audience         string `json:"audience"`
	Plan             string `json:"plan"`
	SeatLimit        int    `json:"seat_limit"`
	AccountID        int64  `json:"account_id"`
	ResellerID       *int64 `json:"reseller_id"`
	SelfRegistration bool   `json:"self_registration"`
	Usage            *struct {
		SeatsUsed   int `json:"seats_used"`
		Enrolments  int `json:"enrolments"`
		Completions int `json:"completions"`
	} `json:"usage"`
}

func TestProvisioningPortals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	ctx := context.Background()
	o := e.orgs()
	reseller, account := e.orgKey(o.northwind), e.orgKey(o.acme)
	var library struct {
		Data []struct{ Slug, Title string }
	}
	e.call(t, platform, "GET", "/api/v1/library/courses", reseller, nil).decode(t, &library)
	if len(library.Data) < 7 || library.Data[0].Title == "" {
		t.Fatalf("the library: %+v", library)
	}
	course := library.Data[0].Slug

	t.Run("AResellerOpensAClientPortalWithItsPlanSeatsAdminAndCourses", func(t *testing.T) {
		r := e.call(t, platform, "POST", "/api/v1/portals", reseller, map[string]any{"slug": "fabrikam", "name": "Fabrikam", "audience": "customers",
			"plan": "starter", "seat_limit": 30, "admin_email": "fay@fabrikam.test", "admin_name": "Fay", "library_courses": []string{course}})
		if r.status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var p portalJSON
		r.decode(t, &p)
		if p.Slug != "fabrikam" || p.Plan != "starter" || p.SeatLimit != 30 || p.Audience != "customers" || p.ResellerID == nil || *p.ResellerID != *o.northwind.ResellerID ||
			p.Status != "active" || p.URL != "http://fabrikam.localhost:"+e.port+"/" {
			t.Errorf("the portal: %+v", p)
		}
		if loc := r.header.Get("Location"); loc != "/api/v1/portals/"+strconv.FormatInt(p.ID, 10) {
			t.Errorf("Location %q", loc)
		}
		var got portalJSON
		e.call(t, platform, "GET", "/api/v1/portals/"+strconv.FormatInt(p.ID, 10), reseller, nil).decode(t, &got)
		if got.Usage == nil || got.Usage.SeatsUsed != 0 || got.Name != "Fabrikam" {
			t.Errorf("read back: %+v", got)
		}
		var invited, courses int
		e.db.InTenantTx(ctx, p.ID, func(tx *postgres.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE to_address = 'fay@fabrikam.test' AND tenant_id = $1`, p.ID).Scan(&invited); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT count(*) FROM courses WHERE tenant_id = $1 AND slug = $2 AND published_version IS NOT NULL`, p.ID, course).Scan(&courses)
		})
		if invited != 1 || courses != 1 {
			t.Errorf("%d invitations, %d published library courses", invited, courses)
		}
	})
	t.Run("AnAccountOpensAPortalInItsOwnAccount", func(t *testing.T) {
		r := e.call(t, platform, "POST", "/api/v1/portals", account, map[string]any{"slug": "acme-partners", "name": "Acme Partners",
			"audience": "partners", "admin_email": "pat@acme.test"})
		var p portalJSON
		r.decode(t, &p)
		if r.status != http.StatusCreated || p.AccountID != e.acme.AccountID || p.ResellerID != nil || p.Audience != "partners" {
			t.Errorf("status %d: %+v", r.status, p)
		}
	})
	t.Run("BadInputNamesEachFieldAndChangesNothing", func(t *testing.T) {
		before := e.portalsState()
		for _, c := range []struct {
			name   string
			key    string
			body   map[string]any
			fields []string
		}{
			{"Fields", reseller, map[string]any{"slug": "Not A Slug", "name": "", "library_courses": []string{"no-such-course"}},
				[]string{"admin_email", "library_courses", "name", "slug"}},
			{"AnAccountSetsItsPlan", account, map[string]any{"slug": "acme-two", "name": "Two", "admin_email": "a@acme.test", "plan": "enterprise", "seat_limit": 5000},
				[]string{"plan", "seat_limit"}},
			{"NoSeats", reseller, map[string]any{"slug": "zero", "name": "Zero", "admin_email": "a@zero.test", "seat_limit": 0}, []string{"seat_limit"}},
			{"AnUnknownPlan", reseller, map[string]any{"slug": "gold", "name": "Gold", "admin_email": "a@gold.test", "plan": "gold"}, []string{"plan"}},
		} {
			r := e.call(t, platform, "POST", "/api/v1/portals", c.key, c.body)
			if got := r.fieldsAtFault(t); r.status != http.StatusUnprocessableEntity || !slices.Equal(got, c.fields) {
				t.Errorf("%s: status %d, fields %v, want 422 %v", c.name, r.status, got, c.fields)
			}
		}
		r := e.call(t, platform, "POST", "/api/v1/portals", reseller, map[string]any{"slug": "contoso", "name": "Again", "admin_email": "a@again.test"})
		if r.status != http.StatusConflict || !slices.Equal(r.fieldsAtFault(t), []string{"slug"}) {
			t.Errorf("a taken slug: %d %s", r.status, r.body)
		}
		if after := e.portalsState(); after != before {
			t.Errorf("portals changed:\n%s\n%s", before, after)
		}
	})
	t.Run("AResellerSuspendsAClientAndChangesItsSeats", func(t *testing.T) {
		path := "/api/v1/portals/" + strconv.FormatInt(o.contoso.ID, 10)
		var p portalJSON
		r := e.call(t, platform, "PATCH", path, reseller, map[string]any{"status": "suspended", "seat_limit": 50})
		r.decode(t, &p)
		if r.status != http.StatusOK || p.Status != "suspended" || p.SeatLimit != 50 || p.Name != "Contoso" {
			t.Errorf("status %d: %+v", r.status, p)
		}
		if r := e.call(t, "contoso", "GET", "/api/v1/users", e.key(o.contoso), nil); r.status != http.StatusForbidden {
			t.Errorf("the suspended portal's own API: %d", r.status)
		}
		e.call(t, platform, "PATCH", path, reseller, map[string]any{"status": "active"})
		if r := e.call(t, "contoso", "GET", "/api/v1/users", e.key(o.contoso), nil); r.status != http.StatusOK {
			t.Errorf("reactivated, its API: %d", r.status)
		}
	})
	t.Run("AnAccountRenamesItsPortalButCannotSuspendIt", func(t *testing.T) {
		path := "/api/v1/portals/" + strconv.FormatInt(e.acme.ID, 10)
		if r := e.call(t, platform, "PATCH", path, account, map[string]any{"status": "suspended"}); r.status != http.StatusUnprocessableEntity ||
			!slices.Equal(r.fieldsAtFault(t), []string{"status"}) {
			t.Errorf("suspend: %d %s", r.status, r.body)
		}
		var p portalJSON
		e.call(t, platform, "PATCH", path, account, map[string]any{"name": "Acme Learning", "self_registration": true}).decode(t, &p)
		if p.Name != "Acme Learning" || !p.SelfRegistration || p.Status != "active" {
			t.Errorf("renamed: %+v", p)
		}
	})
	t.Run("ARetryWithTheSameIdempotencyKeyOpensOnePortal", func(t *testing.T) {
		body := map[string]any{"slug": "once", "name": "Once", "admin_email": "o@once.test"}
		first := e.call(t, platform, "POST", "/api/v1/portals", reseller, body, "Idempotency-Key", "open-once")
		again := e.call(t, platform, "POST", "/api/v1/portals", reseller, body, "Idempotency-Key", "open-once")
		if first.status != http.StatusCreated || again.status != first.status || !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("first %d, retry %d %q", first.status, again.status, again.header.Get("Idempotent-Replayed"))
		}
		other := e.call(t, platform, "POST", "/api/v1/portals", reseller, map[string]any{"slug": "twice", "name": "Twice", "admin_email": "o@once.test"}, "Idempotency-Key", "open-once")
		if other.status != http.StatusUnprocessableEntity {
			t.Errorf("the same key for another body: %d", other.status)
		}
		var n int
		e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM tenants WHERE slug IN ('once', 'twice')`).Scan(&n)
		if n != 1 {
			t.Errorf("%d portals, want 1", n)
		}
	})
}

// A reseller's 260 clients, walked page by page: each once, none
// missing; updated_since keeps only what changed since.
func TestPaginationOverPortals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	ctx := context.Background()
	o := e.orgs()
	if _, err := e.db.Pool.Exec(ctx, `
		INSERT INTO tenants (slug, name, reseller_id, created_at, updated_at)
		SELECT 'client-' || g, 'Client ' || g, $1, now(), now() FROM generate_series(1, 259) g`, *o.northwind.ResellerID); err != nil {
		t.Fatal(err)
	}
	key := e.orgKey(o.northwind)
	ids, pages := walkOn(t, e, platform, key, "/api/v1/portals?limit=100", "id")
	if len(ids) != 260 || pages != 3 {
		t.Fatalf("%d portals in %d pages, want 260 in 3", len(ids), pages)
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("portal %d twice", id)
		}
		seen[id] = true
	}
	if !seen[o.contoso.ID] || seen[o.rival.ID] || seen[e.acme.ID] {
		t.Error("the list is not the reseller's clients")
	}
	var mark string
	e.db.Pool.QueryRow(ctx, `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`).Scan(&mark)
	e.call(t, platform, "PATCH", "/api/v1/portals/"+strconv.FormatInt(o.contoso.ID, 10), key, map[string]any{"seat_limit": 77})
	since, _ := walkOn(t, e, platform, key, "/api/v1/portals?updated_since="+mark, "id")
	if !slices.Equal(since, []int64{o.contoso.ID}) {
		t.Errorf("changed since: %v, want contoso only", since)
	}
}
