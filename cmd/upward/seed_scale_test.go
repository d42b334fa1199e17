package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
)

// seed --scale makes portals of learners with the library and their
// progress; run again, it adds nothing.
func TestSeedScale(t *testing.T) {
	url := pgtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("DATA_DIR", t.TempDir())
	var out bytes.Buffer
	if code := run(context.Background(), []string{"seed", "--scale", "0.002"}, &out, os.Stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "2/2 portals") || !strings.Contains(out.String(), "scale 0.002: 2 portals of 100 learners") {
		t.Errorf("output:\n%s", out.String())
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func() (learners, enrolments, progress, statements int) {
		t.Helper()
		p, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, "scale-0002")
		if err != nil {
			t.Fatal(err)
		}
		db.InTenantTx(ctx, p.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM enrolments),
				(SELECT count(*) FROM lesson_progress), (SELECT count(*) FROM statements)`).Scan(&learners, &enrolments, &progress, &statements)
		})
		return
	}
	learners, enrolments, progress, statements := count()
	if learners != 100 || enrolments != 800 || progress < 4000 || statements < 500 {
		t.Errorf("a portal has %d learners, %d enrolments, %d progress rows, %d records", learners, enrolments, progress, statements)
	}
	if code := run(context.Background(), []string{"seed", "--scale", "0.002"}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("again: exit %d", code)
	}
	if l, e, _, _ := count(); l != learners || e != enrolments {
		t.Errorf("running it again changed the portal: %d learners, %d enrolments", l, e)
	}
	if code := run(context.Background(), []string{"seed", "--scale", "-1"}, io.Discard, io.Discard); code != 1 {
		t.Errorf("a negative scale: exit %d", code)
	}
}
