package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// ImportMode says which lines of a checked file an import takes.
type ImportMode string

// Import modes.
const (
	ImportAll   ImportMode = "all"   // every line, and only if none has a problem
	ImportValid ImportMode = "valid" // the lines without problems
)

// Why an import was refused; the check that goes with the error shows the
// lines.
var (
	ErrImportHasProblems = &apperr.Error{Code: apperr.EINVALID, Message: "Some lines have problems, so nothing was imported. Correct the file, or import only the valid lines."}
	ErrImportNothingFit  = &apperr.Error{Code: apperr.EINVALID, Message: "No line of the file can be imported, so nothing was."}
	ErrImportChanged     = &apperr.Error{Code: apperr.ECONFLICT, Message: "The file's lines were checked again and the result is not what the preview showed (the file or the portal changed), so nothing was imported. Check the lines below and choose again."}
)

// PreviewImport reads an import file and checks every line against the
// portal. It changes nothing. An unreadable file is an EINVALID error on
// the field "file".
func (s *UserService) PreviewImport(ctx context.Context, tenantID int64, data []byte) (user.ImportCheck, error) {
	f, err := user.ReadImportFile(data)
	if err != nil {
		return user.ImportCheck{}, err
	}
	var check user.ImportCheck
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := findImportPortal(ctx, tx, tenantID, f.Addresses())
		check = f.Check(p)
		return err
	})
	if err != nil {
		return user.ImportCheck{}, fmt.Errorf("user: preview import: %w", err)
	}
	return check, nil
}

// ImportUsers reads and checks the file again, trusting nothing from a
// preview, and invites the people it describes in one transaction: each
// account is created as invited with its invitation link mailed through
// the outbox, put in its groups and given its manager (lines may name each
// other), and one audit event records the counts. With ImportAll every
// line must be fit; with ImportValid the fit lines are imported and the
// others left out. expectValid is how many fit lines the admin was shown:
// when the check now finds a different number, nothing is imported. The
// check is returned with every refusal, so the lines can be shown again.
func (s *UserService) ImportUsers(ctx context.Context, t tenant.Tenant, data []byte, mode ImportMode, expectValid int, by AuditActor) (user.ImportCheck, int, error) {
	f, err := user.ReadImportFile(data)
	if err != nil {
		return user.ImportCheck{}, 0, err
	}
	var check user.ImportCheck
	imported := 0
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		imported = 0
		p, err := findImportPortal(ctx, tx, t.ID, f.Addresses())
		if err != nil {
			return err
		}
		check = f.Check(p)
		switch {
		case mode != ImportAll && mode != ImportValid:
			return &apperr.Error{Code: apperr.EINVALID, Message: "Choose to import all the lines or only the valid ones."}
		case mode == ImportAll && check.Bad > 0:
			return ErrImportHasProblems
		case check.Valid == 0:
			return ErrImportNothingFit
		case check.Valid != expectValid:
			return ErrImportChanged
		}
		imported, err = s.importRows(ctx, tx, t, check, by)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23503") {
		// Someone took an address or removed a group between the check and
		// the insert: the rolled-back import is shown checked afresh.
		check, err = s.PreviewImport(ctx, t.ID, data)
		if err != nil {
			return user.ImportCheck{}, 0, err
		}
		return check, 0, ErrImportChanged
	}
	if err != nil {
		if apperr.Code(err) == apperr.EINTERNAL {
			return user.ImportCheck{}, 0, fmt.Errorf("user: import: %w", err)
		}
		return check, 0, err
	}
	return check, imported, nil
}

// importRows writes the fit lines of a checked file within tx, in a fixed
// number of statements however long the file is.
func (s *UserService) importRows(ctx context.Context, tx *Tx, t tenant.Tenant, check user.ImportCheck, by AuditActor) (int, error) {
	var emails, names, roles []string
	for _, row := range check.Rows {
		if row.OK() {
			emails = append(emails, row.Email)
			names = append(names, row.Name)
			roles = append(roles, strings.Join(rolesText(row.Roles), ","))
		}
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO users (tenant_id, email, name, time_zone, status, roles, created_at, updated_at)
		SELECT $1, r.email, r.name, $2, 'invited', string_to_array(r.roles, ','), $3, $3
		FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS r(email, name, roles, n)
		ORDER BY r.n
		RETURNING email, id`, t.ID, t.Settings.DefaultTimeZone, tx.Now, emails, names, roles)
	if err != nil {
		return 0, err
	}
	idOf := map[string]int64{}
	var email string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&email, &id}, func() error { idOf[strings.ToLower(email)] = id; return nil }); err != nil {
		return 0, err
	}

	var tokenUsers, memberUsers, memberGroups, reports, managers []int64
	var hashes [][]byte
	invitations := make([]mail.Message, 0, len(idOf))
	for _, row := range check.Rows {
		if !row.OK() {
			continue
		}
		id := idOf[strings.ToLower(row.Email)]
		secret, hash := user.NewToken()
		tokenUsers, hashes = append(tokenUsers, id), append(hashes, hash)
		invitations = append(invitations, s.invitationMail(t, row.Email, row.Name, by.Label, secret))
		for _, g := range row.GroupIDs {
			memberUsers, memberGroups = append(memberUsers, id), append(memberGroups, g)
		}
		switch {
		case row.ManagerID != 0:
			reports, managers = append(reports, id), append(managers, row.ManagerID)
		case row.ManagerEmail != "":
			reports, managers = append(reports, id), append(managers, idOf[row.ManagerEmail])
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO user_tokens (tenant_id, user_id, purpose, token_hash, expires_at, created_at)
		SELECT $1, k.user_id, $2, k.token_hash, $3::timestamptz + make_interval(secs => $4), $3
		FROM unnest($5::bigint[], $6::bytea[]) AS k(user_id, token_hash)`,
		t.ID, user.PurposeInvitation, tx.Now, user.InvitationTTL.Seconds(), tokenUsers, hashes); err != nil {
		return 0, err
	}
	// As AddGroupMember, for all the memberships at once.
	if _, err := tx.Exec(ctx, `
		INSERT INTO group_members (tenant_id, group_id, user_id, added_at)
		SELECT $1, m.group_id, m.user_id, $2 FROM unnest($3::bigint[], $4::bigint[]) AS m(group_id, user_id)
		ON CONFLICT DO NOTHING`, t.ID, tx.Now, memberGroups, memberUsers); err != nil {
		return 0, err
	}
	// After every account exists, so that lines may name each other.
	if _, err := tx.Exec(ctx, `
		UPDATE users u SET manager_id = m.manager_id
		FROM unnest($2::bigint[], $3::bigint[]) AS m(user_id, manager_id)
		WHERE u.tenant_id = $1 AND u.id = m.user_id`, t.ID, reports, managers); err != nil {
		return 0, err
	}
	if err := audit(ctx, tx, t.ID, by, "user.import", fmt.Sprintf("%d people", len(idOf)), map[string]any{
		"lines": len(check.Rows), "invited": len(idOf), "left_out": check.Bad,
		"group_memberships": len(memberUsers), "managers": len(reports),
	}); err != nil {
		return 0, err
	}
	if err := s.outbox.EnqueueMany(ctx, tx, t.ID, invitations); err != nil {
		return 0, err
	}
	err = emitEvents(ctx, tx, webhook.UserCreated, func() ([]any, error) {
		created := make([]any, 0, len(idOf))
		for _, row := range check.Rows {
			if row.OK() {
				created = append(created, userCreated(user.User{ID: idOf[strings.ToLower(row.Email)], Email: row.Email,
					Name: row.Name, Roles: row.Roles, Status: user.Invited}))
			}
		}
		return created, nil
	})
	return len(idOf), err
}

// findImportPortal reads what an import is checked against: which of the
// addresses have accounts here, the portal's groups (and whether courses
// are assigned to each) and its seats.
func findImportPortal(ctx context.Context, tx *Tx, tenantID int64, addresses []string) (user.ImportPortal, error) {
	p := user.ImportPortal{People: map[string]int64{}, Groups: map[string]user.ImportGroup{}}
	// Lower-cased by the database on both sides, as the unique index is;
	// the keys are lower-cased as the domain does.
	rows, err := tx.Query(ctx, `
		SELECT email, id FROM users
		WHERE tenant_id = $1 AND lower(email) IN (SELECT lower(a) FROM unnest($2::text[]) a)`, tenantID, addresses)
	if err != nil {
		return p, err
	}
	var email string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&email, &id}, func() error { p.People[strings.ToLower(email)] = id; return nil }); err != nil {
		return p, err
	}
	rows, err = tx.Query(ctx, `
		SELECT g.id, g.name, EXISTS (SELECT 1 FROM assignments a WHERE a.tenant_id = g.tenant_id AND a.group_id = g.id)
		FROM groups g WHERE g.tenant_id = $1`, tenantID)
	if err != nil {
		return p, err
	}
	var g user.ImportGroup
	if _, err := pgx.ForEachRow(rows, []any{&g.ID, &g.Name, &g.Assigned}, func() error { p.Groups[strings.ToLower(g.Name)] = g; return nil }); err != nil {
		return p, err
	}
	// The seats held are counted as everywhere (seatsSQL). Invited people
	// already in groups with assigned courses take a seat on accepting:
	// theirs are spoken for, or importing the same file twice would invite
	// twice as many as the seats allow.
	err = tx.QueryRow(ctx, `
		SELECT `+seatsSQL+`,
			(SELECT count(DISTINCT m.user_id) FROM group_members m
				JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
				WHERE m.tenant_id = $1 AND u.status = 'invited'
					AND EXISTS (SELECT 1 FROM assignments a WHERE a.tenant_id = m.tenant_id AND a.group_id = m.group_id))`,
		tenantID).Scan(&p.SeatsTaken, &p.SeatLimit, &p.SeatsPromised)
	return p, err
}
