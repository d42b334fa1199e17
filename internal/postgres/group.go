package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
)

// Group is a set of a portal's users (a department, a team or a cohort)
// that courses can be assigned to and reports grouped by.
type Group struct {
	TenantID, ID int64
	Name, Kind   string
	MemberCount  int
	CreatedAt    time.Time
}

// GroupKinds lists the kinds of group, in the order they are shown.
var GroupKinds = []string{"department", "team", "cohort"}

// GroupService stores a portal's groups and their members. Groups are
// tenant-owned: every method runs in a tenant transaction and every
// statement also names the tenant, so that a missing filter is caught by
// row-level security and a missing policy by the filter.
type GroupService struct {
	db *DB
}

// NewGroupService returns the group store on db.
func NewGroupService(db *DB) *GroupService { return &GroupService{db: db} }

// groupColumns counts the members in the same statement, so that a list of
// groups is one query however long it is. The primary key of group_members
// answers the count from its index.
const groupColumns = `g.tenant_id, g.id, g.name, g.kind,
	(SELECT count(*) FROM group_members m WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id),
	g.created_at`

func scanGroup(row pgx.CollectableRow) (Group, error) {
	var g Group
	err := row.Scan(&g.TenantID, &g.ID, &g.Name, &g.Kind, &g.MemberCount, &g.CreatedAt)
	return g, err
}

// CreateGroup adds a group to the portal; the name's uniqueness,
// regardless of case, is the database's to decide.
func (s *GroupService) CreateGroup(ctx context.Context, tenantID int64, name, kind string, by AuditActor) (Group, error) {
	name = strings.TrimSpace(name)
	f := apperr.Fields{}
	if n := utf8.RuneCountInString(name); n == 0 || n > 200 {
		f.Add("name", "Enter a group name of 1 to 200 characters.")
	}
	if !slices.Contains(GroupKinds, kind) {
		f.Add("kind", "Choose department, team or cohort.")
	}
	if err := f.Err(); err != nil {
		return Group{}, err
	}
	var out Group
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO groups AS g (tenant_id, name, kind, created_at)
			VALUES ($1, $2, $3, $4)
			RETURNING `+groupColumns, tenantID, name, kind, tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanGroup); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "group.create", out.Name, map[string]any{"group_id": out.ID, "kind": out.Kind})
	})
	if err != nil {
		if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
			return Group{}, &apperr.Error{Code: apperr.ECONFLICT, Field: "name", Message: "A group with that name already exists."}
		}
		return Group{}, fmt.Errorf("group: create: %w", err)
	}
	return out, nil
}

// FindGroups lists the portal's groups by name, with their member counts.
func (s *GroupService) FindGroups(ctx context.Context, tenantID int64) ([]Group, error) {
	var out []Group
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.tenant_id = $1 ORDER BY lower(g.name), g.id`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanGroup)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("group: find groups: %w", err)
	}
	return out, nil
}

// FindGroupByID returns one group of the portal; another portal's group is
// not found.
func (s *GroupService) FindGroupByID(ctx context.Context, tenantID, id int64) (Group, error) {
	var g Group
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		g, err = findGroup(ctx, tx, tenantID, id)
		return err
	})
	if err != nil {
		return Group{}, fmt.Errorf("group: find: %w", Error(err, "Group"))
	}
	return g, nil
}

func findGroup(ctx context.Context, tx *Tx, tenantID, id int64) (Group, error) {
	rows, err := tx.Query(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.tenant_id = $1 AND g.id = $2`, tenantID, id)
	if err != nil {
		return Group{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanGroup)
}

// FindGroupMembers lists a group's members by name; a group the portal does
// not have is not found.
func (s *GroupService) FindGroupMembers(ctx context.Context, tenantID, groupID int64) ([]user.User, error) {
	var out []user.User
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := findGroup(ctx, tx, tenantID, groupID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT `+userColumns+`
			FROM group_members m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
			WHERE m.tenant_id = $1 AND m.group_id = $2
			ORDER BY lower(u.name), u.id`, tenantID, groupID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanUser)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("group: find members: %w", Error(err, "Group"))
	}
	return out, nil
}

// FindUserGroups lists the groups a user of the portal belongs to, by name;
// a user the portal does not have is not found.
func (s *GroupService) FindUserGroups(ctx context.Context, tenantID, userID int64) ([]Group, error) {
	var out []Group
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users u WHERE u.tenant_id = $1 AND u.id = $2`, tenantID, userID).Scan(&one); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT `+groupColumns+`
			FROM group_members gm JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id
			WHERE gm.tenant_id = $1 AND gm.user_id = $2
			ORDER BY lower(g.name), g.id`, tenantID, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanGroup)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("group: find user's groups: %w", Error(err, "User"))
	}
	return out, nil
}

// ErrGroupNotFound and ErrMemberNotFound say which of a membership's two
// sides the portal does not have.
var (
	ErrGroupNotFound  = &apperr.Error{Code: apperr.ENOTFOUND, Message: "Group not found."}
	ErrMemberNotFound = &apperr.Error{Code: apperr.ENOTFOUND, Message: "User not found."}
)

// The foreign keys of group_members, which name the tenant as well as the
// row: a group or user of another portal does not exist for them.
const (
	groupMembersGroupFK = "group_members_tenant_id_group_id_fkey"
	groupMembersUserFK  = "group_members_tenant_id_user_id_fkey"
)

// AddGroupMember puts a user of the portal into one of its groups; adding
// a member again changes nothing. The foreign keys decide whether the group
// and the user exist in the portal.
func (s *GroupService) AddGroupMember(ctx context.Context, tenantID, groupID, userID int64, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// First, so that a missing group is told before a missing user.
		group, email, err := memberNames(ctx, tx, tenantID, groupID, userID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO group_members (tenant_id, group_id, user_id, added_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, tenantID, groupID, userID, tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // a member already
		}
		if err := audit(ctx, tx, tenantID, by, "group.member.add", group, map[string]any{"group_id": groupID, "user_id": userID, "email": email}); err != nil {
			return err
		}
		// A newcomer receives what the group was assigned.
		return applyGroupAssignments(ctx, tx, userID, groupID)
	})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
			switch pgErr.ConstraintName {
			case groupMembersGroupFK:
				return ErrGroupNotFound
			case groupMembersUserFK:
				return ErrMemberNotFound
			}
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Group or user not found."}
		}
		return fmt.Errorf("group: add member: %w", err)
	}
	return nil
}

// RemoveGroupMember takes a user out of one of the portal's groups;
// removing someone who is not a member changes nothing.
func (s *GroupService) RemoveGroupMember(ctx context.Context, tenantID, groupID, userID int64, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// First, so that another portal's group or user is not found
		// rather than silently "not a member".
		group, email, err := memberNames(ctx, tx, tenantID, groupID, userID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND user_id = $3`,
			tenantID, groupID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // not a member
		}
		return audit(ctx, tx, tenantID, by, "group.member.remove", group, map[string]any{"group_id": groupID, "user_id": userID, "email": email})
	})
	if err != nil {
		return fmt.Errorf("group: remove member: %w", err)
	}
	return nil
}

// memberNames returns a group's name and a user's address for the audit
// log, and says which of the two the portal does not have.
func memberNames(ctx context.Context, tx *Tx, tenantID, groupID, userID int64) (group, email string, err error) {
	var g, e *string
	err = tx.QueryRow(ctx, `
		SELECT (SELECT g.name FROM groups g WHERE g.tenant_id = $1 AND g.id = $2),
		       (SELECT u.email FROM users u WHERE u.tenant_id = $1 AND u.id = $3)`,
		tenantID, groupID, userID).Scan(&g, &e)
	switch {
	case err != nil:
		return "", "", err
	case g == nil:
		return "", "", ErrGroupNotFound
	case e == nil:
		return "", "", ErrMemberNotFound
	}
	return *g, *e, nil
}
