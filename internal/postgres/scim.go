package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/scim"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// SCIMUser is a person as SCIM sees them: the account and the identity
// provider's ID of them.
type SCIMUser struct {
	user.User
	ExternalID string
}

const scimColumns = userColumns + `, coalesce(u.external_id, '')`

func scanSCIMUser(row pgx.CollectableRow) (SCIMUser, error) {
	var su SCIMUser
	u, err := scanUserWith(row, &su.ExternalID)
	su.User = u
	return su, err
}

// scimWhere are the people SCIM sees: every account but those the
// provider deleted.
const scimWhere = `u.tenant_id = current_tenant_id() AND u.scim_deleted_at IS NULL`

// ListSCIMUsers lists the portal's people for SCIM, by ID, filtered and
// paged, with the count of all that match.
func (s *UserService) ListSCIMUsers(ctx context.Context, tenantID int64, f scim.Filter, page scim.Page) ([]SCIMUser, int, error) {
	where, args := scimWhere, []any{}
	switch f.Attr {
	case "username", "emails.value":
		where, args = where+` AND lower(u.email) = lower($1)`, append(args, f.Value)
	case "externalid":
		where, args = where+` AND u.external_id = $1`, append(args, f.Value)
	}
	var out []SCIMUser
	total := 0
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users u WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT %s FROM users u WHERE %s ORDER BY u.id OFFSET $%d LIMIT $%d`,
			scimColumns, where, len(args)+1, len(args)+2), append(args, page.Start-1, page.Count)...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanSCIMUser)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("scim: list users: %w", err)
	}
	return out, total, nil
}

// FindSCIMUser returns one person SCIM sees.
func (s *UserService) FindSCIMUser(ctx context.Context, tenantID, id int64) (SCIMUser, error) {
	var su SCIMUser
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		su, err = findSCIMUser(ctx, tx, id)
		return err
	})
	if err != nil {
		return SCIMUser{}, fmt.Errorf("scim: find user: %w", Error(err, "User"))
	}
	return su, nil
}

func findSCIMUser(ctx context.Context, tx *Tx, id int64) (SCIMUser, error) {
	rows, err := tx.Query(ctx, `SELECT `+scimColumns+` FROM users u WHERE `+scimWhere+` AND u.id = $1`, id)
	if err != nil {
		return SCIMUser{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanSCIMUser)
}

// scimConflict is SCIM's answer to an address or external ID in use.
func scimConflict(detail string) error {
	return &scim.Error{Status: http.StatusConflict, ScimType: "uniqueness", Detail: detail}
}

// ProvisionSCIMUser creates the account an identity provider sends: a
// learner, verified (the provider vouches for the address), with no
// password (they sign in through the provider, or choose one by "forgot
// password"). An address the provider deleted before comes back, with its
// history; an address in use otherwise is a conflict.
func (s *UserService) ProvisionSCIMUser(ctx context.Context, t tenant.Tenant, p scim.Person, by AuditActor) (SCIMUser, error) {
	email, name, err := checkPerson(p)
	if err != nil {
		return SCIMUser{}, err
	}
	var id int64
	revived := false
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		var deleted bool
		err := tx.QueryRow(ctx, `SELECT id, scim_deleted_at IS NOT NULL FROM users WHERE tenant_id = $1 AND lower(email) = lower($2) FOR UPDATE`,
			t.ID, email).Scan(&id, &deleted)
		switch {
		case err == nil && !deleted:
			return scimConflict("A person with the userName " + email + " exists.")
		case err == nil:
			// Back again: the same account.
			revived = true
			_, err = tx.Exec(ctx, `UPDATE users SET scim_deleted_at = NULL, external_id = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
				t.ID, id, nullText(p.ExternalID), tx.Now)
			if err != nil {
				return err
			}
			return audit(ctx, tx, t.ID, by, "user.scim_restore", email, map[string]any{"external_id": p.ExternalID})
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		status := user.Active
		if !p.Active {
			status = user.Deactivated
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO users (tenant_id, email, name, time_zone, status, roles, email_verified_at, external_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7) RETURNING id`,
			t.ID, email, name, t.Settings.DefaultTimeZone, status, rolesText([]user.Role{user.Learner}), tx.Now, nullText(p.ExternalID)).Scan(&id); err != nil {
			return err
		}
		u, err := findUser(ctx, tx, `u.id = $1`, id)
		if err != nil {
			return err
		}
		if err := emitEvent(ctx, tx, webhook.UserCreated, func() (any, error) { return userCreated(u), nil }); err != nil {
			return err
		}
		return audit(ctx, tx, t.ID, by, "user.create", email, map[string]any{"roles": rolesText(u.Roles), "via": "scim", "external_id": p.ExternalID})
	})
	if err = scimError(err); err != nil {
		return SCIMUser{}, fmt.Errorf("scim: provision: %w", err)
	}
	if !revived {
		return s.FindSCIMUser(ctx, t.ID, id)
	}
	// A person provisioned again after a delete takes what the provider
	// says now, reactivated the way an administrator would (seats and
	// group courses included).
	return s.UpdateSCIMUser(ctx, t, id, p, by)
}

// UpdateSCIMUser makes a person what the provider says (a PUT, or a PATCH
// applied): address, external ID, name and status. Deactivating ends
// their sessions at once (UpdateUser moves the session epoch on).
func (s *UserService) UpdateSCIMUser(ctx context.Context, t tenant.Tenant, id int64, p scim.Person, by AuditActor) (SCIMUser, error) {
	email, name, err := checkPerson(p)
	if err != nil {
		return SCIMUser{}, err
	}
	var before SCIMUser
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		var err error
		if before, err = findSCIMUser(ctx, tx, id); err != nil {
			return err
		}
		if before.Email == email && before.ExternalID == p.ExternalID {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET email = $3, external_id = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
			t.ID, id, email, nullText(p.ExternalID), tx.Now); err != nil {
			return err
		}
		return audit(ctx, tx, t.ID, by, "user.scim_update", email, map[string]any{"email_before": before.Email, "external_id": p.ExternalID})
	})
	if err = scimError(err); err != nil {
		return SCIMUser{}, fmt.Errorf("scim: update: %w", err)
	}
	status := user.Active
	if !p.Active {
		status = user.Deactivated
	}
	if before.Status == user.Invited && status == user.Active {
		status = user.Invited // they have not accepted yet: active is theirs to make
	}
	if _, err := s.UpdateUser(ctx, t.ID, id, UserUpdate{Name: name, Roles: before.Roles, ManagerID: before.ManagerID, Status: status}, by); err != nil {
		return SCIMUser{}, err
	}
	return s.FindSCIMUser(ctx, t.ID, id)
}

// DeleteSCIMUser deprovisions a person: deactivated at once, kept with
// their history, and no longer a SCIM resource.
func (s *UserService) DeleteSCIMUser(ctx context.Context, t tenant.Tenant, id int64, by AuditActor) error {
	su, err := s.FindSCIMUser(ctx, t.ID, id)
	if err != nil {
		return err
	}
	if su.Status != user.Deactivated {
		if _, err := s.UpdateUser(ctx, t.ID, id, UserUpdate{Name: su.Name, Roles: su.Roles, ManagerID: su.ManagerID, Status: user.Deactivated}, by); err != nil {
			return err
		}
	}
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET scim_deleted_at = $3, external_id = NULL WHERE tenant_id = $1 AND id = $2`, t.ID, id, tx.Now); err != nil {
			return err
		}
		return audit(ctx, tx, t.ID, by, "user.scim_delete", su.Email, nil)
	})
	if err != nil {
		return fmt.Errorf("scim: delete: %w", err)
	}
	return nil
}

// checkPerson checks the address and name a provider sends, as the
// product's own forms do.
func checkPerson(p scim.Person) (email, name string, err error) {
	f := apperr.Fields{}
	email, e := user.NormalizeEmail(p.Address())
	addField(f, e)
	n := p.Name()
	if n == "" {
		n = email // a provider may send no name: the address stands in
	}
	name, e = user.ValidateName(n)
	addField(f, e)
	if len(f) > 0 {
		for _, msg := range f {
			return "", "", &scim.Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: msg}
		}
	}
	return email, name, nil
}

// scimError turns a unique violation (an address or an external ID in
// use) into SCIM's uniqueness error.
func scimError(err error) error {
	if err == nil {
		return nil
	}
	var se *scim.Error
	if errors.As(err, &se) {
		return se
	}
	if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
		return scimConflict("The userName or externalId is already another person's.")
	}
	return Error(err, "User")
}
