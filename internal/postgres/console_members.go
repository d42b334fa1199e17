package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/user"
)

// An org's console members invite colleagues by e-mail; platform
// operators invite an org's first admin the same way. An invitation is a
// single-use link valid for user.InvitationTTL whose secret is stored only
// as its SHA-256, like a portal's.

// OrgMember is one of an org's console members, as its members page lists
// them.
type OrgMember struct {
	ID        int64
	Email     string
	Name      string
	CreatedAt time.Time
}

// ConsoleInvitation is an invitation to an org's console not yet accepted.
type ConsoleInvitation struct {
	ID        int64
	Email     string
	Name      string
	InvitedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Expired reports whether the invitation's link no longer works at now.
func (i ConsoleInvitation) Expired(now time.Time) bool { return !now.Before(i.ExpiresAt) }

// ConsoleInvite is whom to invite to an org's console, and how the mail
// names the inviter and reaches the console.
type ConsoleInvite struct {
	Email string
	// ByOperator: the platform's operators invite, who may learn that an
	// address already administers another organisation; an org's own
	// admins may not.
	ByOperator bool
	// Name is a suggestion the invitee may change; may be empty.
	Name string
	// Inviter is who the mail says invites them.
	Inviter string
	// ConsoleURL is the platform host's address (no trailing slash), for
	// the link.
	ConsoleURL string
}

// ConsoleInvitationPath is where an invitation's link leads on the platform
// host; the secret travels as the token query parameter, which request
// logs leave out (they log the path only).
const ConsoleInvitationPath = "/console/invitations/accept"

// orgCond is the condition on a table aliased x with account_id and
// reseller_id columns that keeps one org's rows: $1 the account, $2 the
// reseller (one of them NULL).
const orgCond = `(x.account_id = $1 OR x.reseller_id = $2)`

// memberOrgCond keeps the console members (m) of the org $1 (account) or
// $2 (reseller); false, never NULL, for another org's.
const memberOrgCond = `coalesce(m.account_id = $1 OR m.reseller_id = $2, false)`

// FindOrgMembers lists the org's console members by name.
func (s *ConsoleService) FindOrgMembers(ctx context.Context, org Org) ([]OrgMember, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT x.id, x.email, x.name, x.created_at FROM console_members x
		WHERE `+orgCond+` ORDER BY lower(x.name), x.id`, org.AccountID, org.ResellerID)
	if err != nil {
		return nil, fmt.Errorf("console: members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgMember, error) {
		var m OrgMember
		return m, r.Scan(&m.ID, &m.Email, &m.Name, &m.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("console: members: %w", err)
	}
	return out, nil
}

// FindConsoleInvitations lists the org's invitations not yet accepted,
// newest first; expired ones too, so that an admin sees whom to invite
// again.
func (s *ConsoleService) FindConsoleInvitations(ctx context.Context, org Org) ([]ConsoleInvitation, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT x.id, x.email, x.name, x.invited_by, x.created_at, x.expires_at FROM console_invitations x
		WHERE `+orgCond+` AND x.used_at IS NULL ORDER BY x.created_at DESC, x.id DESC`, org.AccountID, org.ResellerID)
	if err != nil {
		return nil, fmt.Errorf("console: invitations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ConsoleInvitation, error) {
		var i ConsoleInvitation
		return i, r.Scan(&i.ID, &i.Email, &i.Name, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt)
	})
	if err != nil {
		return nil, fmt.Errorf("console: invitations: %w", err)
	}
	return out, nil
}

// InviteConsoleMember invites someone to administer the org in the
// console and mails them the link. Inviting again an address already
// invited to the org replaces the earlier link; an address that already
// signs in to the console is a field error.
func (s *ConsoleService) InviteConsoleMember(ctx context.Context, org Org, in ConsoleInvite, by AuditActor) (ConsoleInvitation, error) {
	f := apperr.Fields{}
	in = checkConsoleInvite(f, in, "email", "name")
	if err := f.Err(); err != nil {
		return ConsoleInvitation{}, err
	}
	var inv ConsoleInvitation
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		inv, err = inviteConsoleMember(ctx, tx, org, in, "email", by)
		return err
	})
	if err != nil {
		if _, ok := apperr.FieldsOf(err); ok {
			return ConsoleInvitation{}, err
		}
		return ConsoleInvitation{}, fmt.Errorf("console: invite: %w", Error(err, "Organisation"))
	}
	return inv, nil
}

// checkConsoleInvite trims and checks an invitation's address and name,
// reporting problems at the form's field names.
func checkConsoleInvite(f apperr.Fields, in ConsoleInvite, emailField, nameField string) ConsoleInvite {
	email, err := user.NormalizeEmail(in.Email)
	if err != nil {
		f.Add(emailField, apperr.Message(err))
	}
	in.Email = email
	in.Name = strings.TrimSpace(in.Name)
	if in.Name != "" {
		if _, err := user.ValidateName(in.Name); err != nil {
			f.Add(nameField, apperr.Message(err))
		}
	}
	return in
}

// inviteConsoleMember stores an invitation to the org and queues its mail
// in tx. in is checked already.
func inviteConsoleMember(ctx context.Context, tx *Tx, org Org, in ConsoleInvite, emailField string, by AuditActor) (ConsoleInvitation, error) {
	var orgName *string
	var memberHere, memberElsewhere bool
	err := tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM accounts WHERE id = $1), (SELECT name FROM resellers WHERE id = $2)),
		EXISTS (SELECT 1 FROM console_members m WHERE lower(m.email) = lower($3) AND `+memberOrgCond+`),
		EXISTS (SELECT 1 FROM console_members m WHERE lower(m.email) = lower($3) AND NOT `+memberOrgCond+`)`,
		org.AccountID, org.ResellerID, in.Email).Scan(&orgName, &memberHere, &memberElsewhere)
	if err != nil {
		return ConsoleInvitation{}, err
	}
	if orgName == nil {
		return ConsoleInvitation{}, &apperr.Error{Code: apperr.ENOTFOUND, Message: "No such account or reseller."}
	}
	if memberHere { // the members page shows it anyway
		return ConsoleInvitation{}, apperr.Fields{emailField: in.Email + " is already an admin here."}
	}
	if memberElsewhere && in.ByOperator {
		return ConsoleInvitation{}, apperr.Fields{emailField: "Someone already signs in to the console with this address."}
	}
	// A fresh invitation replaces an earlier one to the same org, whose
	// link then stops working: one pending link per person.
	if _, err := tx.Exec(ctx, `DELETE FROM console_invitations x WHERE `+orgCond+` AND lower(x.email) = lower($3) AND x.used_at IS NULL`,
		org.AccountID, org.ResellerID, in.Email); err != nil {
		return ConsoleInvitation{}, err
	}
	secret, hash := user.NewToken()
	inv := ConsoleInvitation{Email: in.Email, Name: in.Name, InvitedBy: in.Inviter, CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(user.InvitationTTL)}
	if err := tx.QueryRow(ctx, `
		INSERT INTO console_invitations (account_id, reseller_id, email, name, token_hash, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		org.AccountID, org.ResellerID, in.Email, in.Name, hash, in.Inviter, inv.CreatedAt, inv.ExpiresAt).Scan(&inv.ID); err != nil {
		return ConsoleInvitation{}, err
	}
	if err := platformAudit(ctx, tx, by, "console.invitation.create", in.Email, orgDetail(org, map[string]any{"invitation_id": inv.ID})); err != nil {
		return ConsoleInvitation{}, err
	}
	what := *orgName + "'s portals"
	if org.IsReseller() {
		what = "the client portals of " + *orgName
	}
	if memberElsewhere {
		// The inviter must not learn that the address administers
		// another organisation: the invitation is stored and listed as
		// any other, but the mail carries no link, and says why.
		m := mail.Compose(mail.Branding{SiteName: "Upward", BaseURL: in.ConsoleURL}, in.Email, in.Name,
			"You are invited to the Upward console of "+*orgName,
			in.Inviter+" has invited you to administer "+what+" in the Upward console. "+
				"This address already signs in to the console for another organisation, and an address belongs to one organisation's console: "+
				"ask "+in.Inviter+" to invite another of your addresses.",
			nil, "If you did not expect this message, you can ignore it.")
		return inv, enqueuePlatformMail(ctx, tx, m)
	}
	m := mail.Compose(mail.Branding{SiteName: "Upward", BaseURL: in.ConsoleURL}, in.Email, in.Name,
		"You are invited to the Upward console of "+*orgName,
		in.Inviter+" has invited you to administer "+what+" in the Upward console. "+
			"Choose your name and password with the link below; it works once, within seven days.",
		&mail.Action{Label: "Accept the invitation", URL: in.ConsoleURL + ConsoleInvitationPath + "?token=" + url.QueryEscape(secret)},
		"If you did not expect this message, you can ignore it.")
	return inv, enqueuePlatformMail(ctx, tx, m)
}

// enqueuePlatformMail queues mail that belongs to no portal (the
// console's), in tx: an outbox row without a tenant and its River job.
func enqueuePlatformMail(ctx context.Context, tx *Tx, m mail.Message) error {
	return (&Outbox{jobs: tx.jobs}).Enqueue(ctx, tx, 0, m)
}

// orgDetail adds the org to an audit event's detail.
func orgDetail(org Org, detail map[string]any) map[string]any {
	if org.AccountID != nil {
		detail["account_id"] = *org.AccountID
	}
	if org.ResellerID != nil {
		detail["reseller_id"] = *org.ResellerID
	}
	return detail
}

// CancelConsoleInvitation withdraws one of the org's invitations not yet
// accepted; another org's is not found.
func (s *ConsoleService) CancelConsoleInvitation(ctx context.Context, org Org, id int64, by AuditActor) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var email string
		if err := tx.QueryRow(ctx, `DELETE FROM console_invitations x WHERE x.id = $3 AND `+orgCond+` AND x.used_at IS NULL RETURNING x.email`,
			org.AccountID, org.ResellerID, id).Scan(&email); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "console.invitation.cancel", email, orgDetail(org, map[string]any{"invitation_id": id}))
	})
	if err != nil {
		return fmt.Errorf("console: cancel invitation: %w", Error(err, "Invitation"))
	}
	return nil
}

// ErrLastConsoleMember refuses to leave an org without an admin.
var ErrLastConsoleMember = &apperr.Error{Code: apperr.ECONFLICT, Message: "An organisation keeps at least one admin: invite another before removing this one."}

// RemoveConsoleMember removes one of the org's members on behalf of
// another (removerID), who must still be a member of the org: never
// themselves, never the last. The removed member's sessions stop working
// at once, because every request loads its member again. The org's row is
// locked first, so that two admins removing each other at the same moment
// cannot leave it with none.
func (s *ConsoleService) RemoveConsoleMember(ctx context.Context, org Org, id, removerID int64, by AuditActor) error {
	if id == removerID {
		return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "You cannot remove yourself; another admin can."}
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if err := lockOrg(ctx, tx, org); err != nil {
			return err
		}
		var target, remover bool
		var members int
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE x.id = $3) > 0, count(*) FILTER (WHERE x.id = $4) > 0, count(*)
			FROM console_members x WHERE `+orgCond, org.AccountID, org.ResellerID, id, removerID).Scan(&target, &remover, &members); err != nil {
			return err
		}
		switch {
		case !target:
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Admin not found."}
		case !remover:
			return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Only the organisation's admins remove its admins."}
		case members <= 1:
			return ErrLastConsoleMember
		}
		var email string
		if err := tx.QueryRow(ctx, `DELETE FROM console_members x WHERE x.id = $3 AND `+orgCond+` RETURNING x.email`,
			org.AccountID, org.ResellerID, id).Scan(&email); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "console.member.remove", email, orgDetail(org, map[string]any{"member_id": id}))
	})
	if err != nil {
		return fmt.Errorf("console: remove member: %w", Error(err, "Admin"))
	}
	return nil
}

// lockOrg takes the org's row lock for the rest of tx.
func lockOrg(ctx context.Context, tx *Tx, org Org) error {
	var locked bool
	if org.AccountID != nil {
		return tx.QueryRow(ctx, `SELECT true FROM accounts WHERE id = $1 FOR UPDATE`, *org.AccountID).Scan(&locked)
	}
	return tx.QueryRow(ctx, `SELECT true FROM resellers WHERE id = $1 FOR UPDATE`, org.ResellerID).Scan(&locked)
}

// PendingConsoleInvitation is what the invitation's page shows before the
// invitee accepts.
type PendingConsoleInvitation struct {
	Email   string
	Name    string
	OrgName string
}

// errBadConsoleLink answers every unknown, used or expired invitation.
var errBadConsoleLink = &apperr.Error{Code: apperr.EINVALID, Field: "token",
	Message: "This invitation is not valid any more: it has been used already, withdrawn or has expired. Ask an admin of your organisation, or Upward's operators, to invite you again."}

// IsBadConsoleLink reports whether err says the invitation's link no
// longer works.
func IsBadConsoleLink(err error) bool { return errors.Is(err, errBadConsoleLink) }

// FindConsoleInvitationByToken returns the invitation whose link carries
// secret, if it can still be accepted.
func (s *ConsoleService) FindConsoleInvitationByToken(ctx context.Context, secret string) (PendingConsoleInvitation, error) {
	var p PendingConsoleInvitation
	err := s.db.Pool.QueryRow(ctx, `SELECT x.email, x.name, coalesce(a.name, r.name) FROM console_invitations x
		LEFT JOIN accounts a ON a.id = x.account_id LEFT JOIN resellers r ON r.id = x.reseller_id
		WHERE x.token_hash = $1 AND x.used_at IS NULL AND x.expires_at > $2`, user.HashToken(secret), s.db.Now()).Scan(&p.Email, &p.Name, &p.OrgName)
	if errors.Is(err, pgx.ErrNoRows) {
		return PendingConsoleInvitation{}, errBadConsoleLink
	}
	if err != nil {
		return PendingConsoleInvitation{}, fmt.Errorf("console: find invitation: %w", err)
	}
	return p, nil
}

// AcceptConsoleInvitation makes the invitee a member of the inviting org
// with the name and password they chose, using the link once.
func (s *ConsoleService) AcceptConsoleInvitation(ctx context.Context, secret, name, password string, by AuditActor) (ConsoleMember, error) {
	f := apperr.Fields{}
	name, err := user.ValidateName(name)
	addField(f, err)
	addField(f, user.ValidatePassword(password))
	if err := f.Err(); err != nil {
		return ConsoleMember{}, err
	}
	hash, err := user.HashPassword(password)
	if err != nil {
		return ConsoleMember{}, err
	}
	var m ConsoleMember
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var org Org
		var email string
		var invitationID int64
		// The UPDATE takes the row's lock and checks again, so two
		// concurrent uses cannot both succeed.
		err := tx.QueryRow(ctx, `UPDATE console_invitations SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING id, email, account_id, reseller_id`, user.HashToken(secret), tx.Now).Scan(&invitationID, &email, &org.AccountID, &org.ResellerID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errBadConsoleLink
		}
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO console_members (email, name, password_hash, account_id, reseller_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, email, name, hash, org.AccountID, org.ResellerID, tx.Now).Scan(&id); err != nil {
			if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
				return &apperr.Error{Code: apperr.ECONFLICT, Message: "Someone already signs in to the console with " + email + ": sign in with that address instead."}
			}
			return err
		}
		if err := scanConsoleMember(tx.QueryRow(ctx, `SELECT `+consoleMemberColumns+` FROM `+consoleMemberFrom+` WHERE m.id = $1`, id), &m); err != nil {
			return err
		}
		if m.OrgSuspended {
			return ErrConsoleSuspended // the link stays unused
		}
		by.Label = "console: " + email
		return platformAudit(ctx, tx, by, "console.invitation.accept", email, orgDetail(org, map[string]any{"invitation_id": invitationID, "member_id": id}))
	})
	if err != nil {
		return ConsoleMember{}, fmt.Errorf("console: accept invitation: %w", err)
	}
	return m, nil
}

// OrgAdmins is an org with how many console admins it has.
type OrgAdmins struct {
	ID     int64
	Name   string
	Admins int
}

// FindResellerAdminCounts lists every reseller by name with its number of
// console admins, for the operators' invitation form.
func (s *ConsoleService) FindResellerAdminCounts(ctx context.Context) ([]OrgAdmins, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT r.id, r.name, (SELECT count(*) FROM console_members m WHERE m.reseller_id = r.id)
		FROM resellers r ORDER BY lower(r.name), r.id`)
	if err != nil {
		return nil, fmt.Errorf("console: resellers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgAdmins, error) {
		var o OrgAdmins
		return o, r.Scan(&o.ID, &o.Name, &o.Admins)
	})
	if err != nil {
		return nil, fmt.Errorf("console: resellers: %w", err)
	}
	return out, nil
}
