package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/upward-lms/upward/internal/postgres"
)

// runConsole adds a console member: an admin of an account, or of a
// reseller, who signs in to the console on the platform host. The password
// is made here and printed once.
func runConsole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("console", "create (--account SLUG | --reseller SLUG) --email EMAIL --name NAME", "Add an admin to an account's or a reseller's console; prints a new password once.", stderr)
	account := fset.String("account", "", "the account's slug")
	reseller := fset.String("reseller", "", "the reseller's slug")
	email := fset.String("email", "", "the admin's e-mail address")
	name := fset.String("name", "", "the admin's name")
	if len(args) == 0 || args[0] != "create" {
		fset.Usage()
		return errUsage
	}
	cfg, err := parseConfig(fset, args[1:])
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	password := newPassword()
	m, err := postgres.NewConsoleService(db).CreateConsoleMember(ctx, *account, *reseller, *email, *name, password, postgres.AuditActor{Label: "upward console create"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "console member %s of %s created; password (shown once): %s\n", m.Email, m.OrgName, password)
	return nil
}

func newPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
