package main

import (
	"bytes"
	"context"
	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/library"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/postgres"
)

// seed --scale makes portals of learners, with an admin, the library and
// their progress, the first portal larger; run again, it adds nothing.
func TestSeedScale(t *testing.T) {
	t.Parallel()
	url, flags := newDatabase(t)
	var out bytes.Buffer
	if code := run(context.Background(), commandArgs("seed", flags, "--history=false", "--scale", "0.002", "--big-portal", "150"), &out, os.Stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "2/2 portals") || !strings.Contains(out.String(), "scale 0.002: 2 portals of 100 learners, the first of 150") {
		t.Errorf("output:\n%s", out.String())
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(slug string) (learners, enrolments, progress, statements int) {
		t.Helper()
		p, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		db.InTenantTx(ctx, p.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM users WHERE 'learner' = ANY (roles)), (SELECT count(*) FROM enrolments),
				(SELECT count(*) FROM lesson_progress), (SELECT count(*) FROM statements)`).Scan(&learners, &enrolments, &progress, &statements)
		})
		return
	}
	// Every learner takes every course of the library.
	lib, problems := library.LoadAll(courses.FS, ".")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	n := len(lib)
	learners, enrolments, progress, statements := count("scale-0002")
	if learners != 100 || enrolments != 100*n || progress < 500*n || statements < 60*n {
		t.Errorf("a portal has %d learners, %d enrolments, %d progress rows, %d records (%d courses)", learners, enrolments, progress, statements, n)
	}
	if l, e, _, _ := count("scale-0001"); l != 150 || e != 150*n {
		t.Errorf("the first portal has %d learners, %d enrolments", l, e)
	}
	first, _ := postgres.NewTenantService(db).FindTenantBySlug(ctx, "scale-0001")
	var roles []string
	err = db.InTenantTx(ctx, first.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT roles FROM users WHERE email = 'admin@scale-0001.test'`).Scan(&roles)
	})
	if err != nil || !slices.Equal(roles, []string{"admin"}) {
		t.Errorf("the first portal's admin: %v, %v", roles, err)
	}
	if code := run(context.Background(), commandArgs("seed", flags, "--history=false", "--scale", "0.002"), io.Discard, io.Discard); code != 0 {
		t.Fatalf("again: exit %d", code)
	}
	if l, e, _, _ := count("scale-0002"); l != learners || e != enrolments {
		t.Errorf("running it again changed the portal: %d learners, %d enrolments", l, e)
	}
	if code := run(context.Background(), commandArgs("seed", flags, "--history=false", "--scale", "-1"), io.Discard, io.Discard); code != 1 {
		t.Errorf("a negative scale: exit %d", code)
	}
}
