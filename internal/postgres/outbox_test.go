package postgres_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

type recordingSender struct{ sent []string }

func (r *recordingSender) Send(_ context.Context, m mail.Message) error {
	r.sent = append(r.sent, m.To)
	return nil
}

// Stored mail carries invitation and reset links: a portal reads its own
// mail only, the platform (no portal set) only its own, a portal cannot
// write another's, and the worker delivers each message as its portal.
func TestCatalog_MailIsSeenByItsPortalOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme"})
	globex := fixture.Build(t, db, fixture.Spec{Slug: "globex", Name: "Globex"})
	users := postgres.NewUserService(db, insertOnlyOutbox(t), func(t tenant.Tenant) string { return "http://" + t.Slug + ".localhost" })
	for _, p := range []fixture.Portal{acme, globex} {
		if _, err := users.Invite(ctx, p.Tenant, postgres.Invitation{Email: "new@" + p.Slug + ".test", Name: "New", Roles: []user.Role{user.Learner}}, by); err != nil {
			t.Fatal(err)
		}
	}
	consoles := postgres.NewConsoleService(db)
	if _, err := consoles.InviteConsoleMember(ctx, postgres.Org{AccountID: &acme.AccountID},
		postgres.ConsoleInvite{Email: "ops@acme.test", Inviter: "Test", ConsoleURL: "http://localhost"}, by); err != nil {
		t.Fatal(err)
	}

	addresses := func(tenantID int64) []string {
		t.Helper()
		var out []string
		read := func(rows pgx.Rows, err error) error {
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		}
		const sql = `SELECT to_address FROM mail_outbox ORDER BY to_address`
		err := read(db.Pool.Query(ctx, sql))
		if tenantID != 0 {
			err = db.InTenantTx(ctx, tenantID, func(tx *postgres.Tx) error { return read(tx.Query(ctx, sql)) })
		}
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := addresses(acme.ID); !slices.Equal(got, []string{"new@acme.test"}) {
		t.Errorf("acme reads %v", got)
	}
	if got := addresses(globex.ID); !slices.Equal(got, []string{"new@globex.test"}) {
		t.Errorf("globex reads %v", got)
	}
	if got := addresses(0); !slices.Equal(got, []string{"ops@acme.test"}) {
		t.Errorf("the platform reads %v", got)
	}
	// A portal cannot file mail under another's name, nor as the platform.
	for _, other := range []any{globex.ID, nil} {
		err := db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (tenant_id, to_address, subject, text_body, html_body) VALUES ($1, 'x@x.test', 's', 't', 'h')`, other)
			return err
		})
		if err == nil {
			t.Errorf("acme wrote mail as %v", other)
		}
	}

	// The worker delivers as the message's portal; asked as the platform,
	// it cannot even read a portal's message.
	var id int64
	if err := db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM mail_outbox`).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	sender := &recordingSender{}
	w := &postgres.MailWorker{DB: db, Sender: sender, Transport: "test", From: "upward@test", Logger: slog.New(slog.DiscardHandler)}
	job := func(args postgres.MailArgs) *river.Job[postgres.MailArgs] {
		return &river.Job[postgres.MailArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: args}
	}
	if err := w.Work(ctx, job(postgres.MailArgs{OutboxID: id})); err == nil || len(sender.sent) != 0 {
		t.Errorf("the platform delivered a portal's message: %v, sent %v", err, sender.sent)
	}
	if err := w.Work(ctx, job(postgres.MailArgs{OutboxID: id, TenantID: acme.ID})); err != nil || !slices.Equal(sender.sent, []string{"new@acme.test"}) {
		t.Fatalf("delivery as acme: %v, sent %v", err, sender.sent)
	}
	if msgs, err := db.FindOutboxMessages(ctx, 10); err != nil || len(msgs) != 3 || msgs[len(msgs)-1].SentAt != nil && msgs[len(msgs)-1].To != "new@acme.test" {
		t.Errorf("the dev mailbox reads everyone's mail: %v %+v", err, msgs)
	}
	if m, err := db.FindOutboxMessage(ctx, id); err != nil || m.SentAt == nil {
		t.Errorf("the sent message in the dev mailbox: %v %+v", err, m)
	}
}
