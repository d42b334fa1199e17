package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// enrollment.created became enrolment.created: an endpoint that chose the
// old name before the rename hears the new one after the migration, and
// the old name is still accepted when subscribing.
func TestEnrolmentEvent_TheOldNameIsAnAlias(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := user.SetHashCost(user.TestCost); err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	acme := fixture.Build(t, db.DB, fixture.Spec{Slug: "acme"})
	hooks := postgres.NewWebhookService(db.DB, true)

	t.Run("SubscribingByTheOldName", func(t *testing.T) {
		e, _, err := hooks.CreateEndpoint(ctx, acme.ID, webhook.Endpoint{URL: "http://127.0.0.1:9/old",
			Events: []string{"enrollment.created", webhook.UserCreated}}, fixture.By)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{webhook.UserCreated, "enrolment.created"}; !slices.Equal(e.Events, want) {
			t.Errorf("events %v, want %v", e.Events, want)
		}
	})

	t.Run("ASubscriptionStoredBeforeTheRename", func(t *testing.T) {
		mg, err := postgres.NewMigrator(ctx, db.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer mg.Close()
		st, err := mg.Status()
		if err != nil {
			t.Fatal(err)
		}
		if err := mg.Down(int(st.Current) - 29); err != nil { // to before the rename, 000030
			t.Fatal(err)
		}
		owner, err := pgx.Connect(ctx, db.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer owner.Close(ctx)
		var id int64
		err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1::bigint::text, true)", acme.ID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (tenant_id, url, events, secret, created_at, updated_at)
				VALUES ($1, 'http://127.0.0.1:9/stored', ARRAY['enrollment.created', 'course.completed'], 's', now(), now())
				RETURNING id`, acme.ID).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := mg.Up(); err != nil {
			t.Fatal(err)
		}
		e, err := hooks.FindEndpoint(ctx, acme.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"enrolment.created", webhook.CourseCompleted}; !slices.Equal(e.Events, want) {
			t.Errorf("after the migration: events %v, want %v", e.Events, want)
		}
	})
}
