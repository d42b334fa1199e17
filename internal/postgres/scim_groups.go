package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/scim"
)

// SCIMGroup is a group as SCIM sees it: the group, the provider's ID of
// it, whether the provider made it, and its members' IDs.
type SCIMGroup struct {
	ID          int64
	Name        string
	ExternalID  string
	SCIMManaged bool
	CreatedAt   time.Time
	Members     []int64
}

// The members SCIM sees are the people it sees: not those it deleted.
const scimGroupSelect = `
	SELECT g.id, g.name, coalesce(g.external_id, ''), g.scim_managed, g.created_at,
		coalesce((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM group_members m
			JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id AND u.scim_deleted_at IS NULL
			WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id), '{}')
	FROM groups g`

func scanSCIMGroup(row pgx.CollectableRow) (SCIMGroup, error) {
	var g SCIMGroup
	err := row.Scan(&g.ID, &g.Name, &g.ExternalID, &g.SCIMManaged, &g.CreatedAt, &g.Members)
	return g, err
}

// ListSCIMGroups lists the portal's groups for SCIM, by ID, filtered and
// paged, with the count of all that match.
func (s *GroupService) ListSCIMGroups(ctx context.Context, tenantID int64, f scim.Filter, page scim.Page) ([]SCIMGroup, int, error) {
	where, args := `g.tenant_id = $1`, []any{tenantID}
	switch f.Attr {
	case "displayname":
		where, args = where+` AND lower(g.name) = lower($2)`, append(args, f.Value)
	case "externalid":
		where, args = where+` AND g.external_id = $2`, append(args, f.Value)
	}
	var out []SCIMGroup
	total := 0
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM groups g WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(`%s WHERE %s ORDER BY g.id OFFSET $%d LIMIT $%d`, scimGroupSelect, where, len(args)+1, len(args)+2),
			append(args, page.Start-1, page.Count)...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanSCIMGroup)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("scim: list groups: %w", err)
	}
	return out, total, nil
}

// FindSCIMGroup returns one group as SCIM sees it.
func (s *GroupService) FindSCIMGroup(ctx context.Context, tenantID, id int64) (SCIMGroup, error) {
	var g SCIMGroup
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, scimGroupSelect+` WHERE g.tenant_id = $1 AND g.id = $2`, tenantID, id)
		if err != nil {
			return err
		}
		g, err = pgx.CollectExactlyOneRow(rows, scanSCIMGroup)
		return err
	})
	if err != nil {
		return SCIMGroup{}, fmt.Errorf("scim: find group: %w", Error(err, "Group"))
	}
	return g, nil
}

// CreateSCIMGroup makes the group a provider sends (a team), with its
// members, who receive what the group is assigned as any newcomer does.
func (s *GroupService) CreateSCIMGroup(ctx context.Context, tenantID int64, t scim.Team, by AuditActor) (SCIMGroup, error) {
	name := strings.TrimSpace(t.DisplayName)
	if n := len([]rune(name)); n == 0 || n > 200 {
		return SCIMGroup{}, &scim.Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: "displayName must be 1 to 200 characters."}
	}
	var id int64
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO groups (tenant_id, name, kind, external_id, scim_managed, created_at)
			VALUES ($1, $2, 'team', $3, true, $4) RETURNING id`, tenantID, name, nullText(t.ExternalID), tx.Now).Scan(&id); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "group.create", name, map[string]any{"kind": "team", "via": "scim", "external_id": t.ExternalID})
	})
	if err = scimError(err); err != nil {
		return SCIMGroup{}, fmt.Errorf("scim: create group: %w", groupConflict(err))
	}
	if err := s.setMembers(ctx, tenantID, id, nil, t.Members, nil, by); err != nil {
		return SCIMGroup{}, err
	}
	return s.FindSCIMGroup(ctx, tenantID, id)
}

// groupConflict names what a unique violation on a group is about.
func groupConflict(err error) error {
	var se *scim.Error
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		return scimConflict("A group with this displayName or externalId exists.")
	}
	return err
}

// UpdateSCIMGroup applies a PUT or PATCH: the name, the external ID, and
// members added, removed or replaced.
func (s *GroupService) UpdateSCIMGroup(ctx context.Context, tenantID, id int64, c scim.GroupChange, by AuditActor) (SCIMGroup, error) {
	g, err := s.FindSCIMGroup(ctx, tenantID, id)
	if err != nil {
		return SCIMGroup{}, err
	}
	name, external := g.Name, g.ExternalID
	if c.DisplayName != nil {
		name = strings.TrimSpace(*c.DisplayName)
		if n := len([]rune(name)); n == 0 || n > 200 {
			return SCIMGroup{}, &scim.Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: "displayName must be 1 to 200 characters."}
		}
	}
	if c.ExternalID != nil {
		external = *c.ExternalID
	}
	if name != g.Name || external != g.ExternalID {
		err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE groups SET name = $3, external_id = $4 WHERE tenant_id = $1 AND id = $2`,
				tenantID, id, name, nullText(external)); err != nil {
				return err
			}
			return audit(ctx, tx, tenantID, by, "group.update", name, map[string]any{"name_before": g.Name, "external_id": external, "via": "scim"})
		})
		if err = scimError(err); err != nil {
			return SCIMGroup{}, fmt.Errorf("scim: update group: %w", groupConflict(err))
		}
	}
	want := c.Replace
	if !c.ReplaceAll {
		want = append(slices.Clone(g.Members), c.Add...)
	}
	if err := s.setMembers(ctx, tenantID, id, g.Members, want, c.Remove, by); err != nil {
		return SCIMGroup{}, err
	}
	return s.FindSCIMGroup(ctx, tenantID, id)
}

// setMembers moves the group's members (among those SCIM sees) from
// current to want, less remove. Each change is the admin pages' own
// (audited; a newcomer receives the group's courses).
func (s *GroupService) setMembers(ctx context.Context, tenantID, groupID int64, current, want, remove []int64, by AuditActor) error {
	keep := map[int64]bool{}
	for _, id := range want {
		keep[id] = true
	}
	for _, id := range remove {
		delete(keep, id)
	}
	for id := range keep {
		if slices.Contains(current, id) {
			continue
		}
		if err := s.AddGroupMember(ctx, tenantID, groupID, id, by); err != nil {
			if errors.Is(err, ErrMemberNotFound) {
				return &scim.Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf("There is no user %d in this portal.", id)}
			}
			return err
		}
	}
	for _, id := range current {
		if !keep[id] {
			if err := s.RemoveGroupMember(ctx, tenantID, groupID, id, by); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteSCIMGroup deletes a group the provider made; one made in Upward
// stays (it may carry assignments the provider knows nothing of).
func (s *GroupService) DeleteSCIMGroup(ctx context.Context, tenantID, id int64, by AuditActor) error {
	g, err := s.FindSCIMGroup(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if !g.SCIMManaged {
		return &scim.Error{Status: http.StatusForbidden, Detail: "“" + g.Name + "” was made in Upward, not by the identity provider: an administrator deletes it there."}
	}
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM groups WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "group.delete", g.Name, map[string]any{"via": "scim", "members": len(g.Members)})
	})
	if err != nil {
		return fmt.Errorf("scim: delete group: %w", err)
	}
	return nil
}
