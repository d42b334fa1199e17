package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// UserService stores a portal's people and runs sign-in, registration and
// the e-mailed links. Every method works inside one tenant transaction.
type UserService struct {
	db     *DB
	outbox *Outbox
	// portalURL is the base URL of a portal, for links in mail.
	portalURL func(t tenant.Tenant) string
}

// NewUserService returns the user store.
func NewUserService(db *DB, outbox *Outbox, portalURL func(tenant.Tenant) string) *UserService {
	return &UserService{db: db, outbox: outbox, portalURL: portalURL}
}

const userColumns = `u.tenant_id, u.id, u.email, u.name, u.manager_id, u.time_zone, u.status, u.roles,
	u.email_verified_at IS NOT NULL, u.session_epoch, u.created_at, u.updated_at`

func scanUser(row pgx.CollectableRow) (user.User, error) { return scanUserWith(row) }

// scanUserWith scans userColumns, then the extra columns.
func scanUserWith(row pgx.CollectableRow, extra ...any) (user.User, error) {
	var u user.User
	var status string
	var roles []string
	err := row.Scan(append([]any{&u.TenantID, &u.ID, &u.Email, &u.Name, &u.ManagerID, &u.TimeZone, &status, &roles,
		&u.EmailVerified, &u.SessionEpoch, &u.CreatedAt, &u.UpdatedAt}, extra...)...)
	u.Status = user.Status(status)
	for _, r := range roles {
		u.Roles = append(u.Roles, user.Role(r))
	}
	return u, err
}

func rolesText(roles []user.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

// FindUserByID returns one user of the tenant.
func (s *UserService) FindUserByID(ctx context.Context, tenantID, id int64) (user.User, error) {
	var u user.User
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		u, err = findUser(ctx, tx, `u.id = $1`, id)
		return err
	})
	if err != nil {
		return user.User{}, fmt.Errorf("user: find: %w", Error(err, "User"))
	}
	return u, nil
}

// SignedIn is what every page of a signed-in person shows besides who
// they are: the unread count on the bell, and whether "My team" is in
// the navigation (someone active reports to them).
type SignedIn struct {
	Unread  int
	Manages bool
}

// FindSignedInUser is FindUserByID for the request of a signed-in person,
// with what every page shows of them (SignedIn) read in the same
// statement, so that it costs the page nothing more.
func (s *UserService) FindSignedInUser(ctx context.Context, tenantID, id int64) (user.User, SignedIn, error) {
	var u user.User
	var in SignedIn
	// One round trip, every page: a read in the tenant, not a transaction.
	b := &pgx.Batch{}
	b.Queue(`SELECT `+userColumns+`,
			(SELECT count(*) FROM notifications n WHERE n.tenant_id = u.tenant_id AND n.user_id = u.id AND n.read_at IS NULL),
			EXISTS (SELECT 1 FROM users r WHERE r.tenant_id = u.tenant_id AND r.manager_id = u.id AND r.status = 'active')
			FROM users u WHERE u.tenant_id = current_tenant_id() AND u.id = $1`, id).Query(func(rows pgx.Rows) error {
		var err error
		u, err = pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (user.User, error) {
			return scanUserWith(row, &in.Unread, &in.Manages)
		})
		return err
	})
	err := s.db.ReadInTenant(ctx, tenantID, b)
	if err != nil {
		return user.User{}, SignedIn{}, fmt.Errorf("user: find: %w", Error(err, "User"))
	}
	return u, in, nil
}

// FindUsers lists the tenant's users by name.
func (s *UserService) FindUsers(ctx context.Context, tenantID int64, limit int) ([]user.User, error) {
	var out []user.User
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.tenant_id = $1 ORDER BY lower(u.name), u.id LIMIT $2`, tenantID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanUser)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("user: find users: %w", err)
	}
	return out, nil
}

// findUser reads one user in the transaction's tenant; where is a condition
// on the alias u.
func findUser(ctx context.Context, tx *Tx, where string, args ...any) (user.User, error) {
	rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.tenant_id = current_tenant_id() AND `+where, args...)
	if err != nil {
		return user.User{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanUser)
}

// Registration is a self-registration form.
type Registration struct {
	Name, Email, Password string
}

// ErrRegistrationClosed is returned when the portal does not let people
// register themselves.
var ErrRegistrationClosed = &apperr.Error{Code: apperr.EFORBIDDEN, Message: "This portal does not accept self-registration. Ask your administrator for an invitation."}

// Register creates an account and mails a verification link. When the
// address already has an account, it mails that person a note instead and
// answers exactly as for a new account, so the form never tells whether an
// address is registered.
func (s *UserService) Register(ctx context.Context, t tenant.Tenant, in Registration, by AuditActor) error {
	if !t.Settings.SelfRegistration {
		return ErrRegistrationClosed
	}
	f := apperr.Fields{}
	name, err := user.ValidateName(in.Name)
	addField(f, err)
	email, err := user.NormalizeEmail(in.Email)
	addField(f, err)
	if err == nil && !t.Settings.AllowsEmail(email) {
		f.Add("email", "Registration is open to addresses at "+strings.Join(t.Settings.AllowedEmailDomains, ", ")+" only.")
	}
	addField(f, user.ValidatePassword(in.Password))
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := user.HashPassword(in.Password)
	if err != nil {
		return fmt.Errorf("user: register: %w", err)
	}
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO users (tenant_id, email, name, password_hash, time_zone, status, roles, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'active', '{learner}', $6, $6)
			ON CONFLICT (tenant_id, lower(email)) DO NOTHING
			RETURNING id`, t.ID, email, name, hash, t.Settings.DefaultTimeZone, tx.Now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			existing, err := findUser(ctx, tx, `lower(u.email) = lower($1)`, email)
			if err != nil {
				return err
			}
			if err := audit(ctx, tx, t.ID, by, "user.register.duplicate", email, nil); err != nil {
				return err
			}
			return s.outbox.Enqueue(ctx, tx, t.ID, s.compose(t, existing.Email, existing.Name,
				"Someone tried to register with your address",
				"Somebody, perhaps you, tried to create a new account on "+t.Name+" with this e-mail address. You already have an account: sign in, or reset your password if you have forgotten it. If this was not you, you can ignore this message.",
				&mail.Action{Label: "Sign in", URL: s.portalURL(t) + "/login"}))
		}
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, t.ID, AuditActor{UserID: id, Label: email, IP: by.IP}, "user.register", email, nil); err != nil {
			return err
		}
		if err := emitUserCreated(ctx, tx, id); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, t, id, email, name)
	})
	if err != nil {
		return fmt.Errorf("user: register: %w", err)
	}
	return nil
}

func (s *UserService) sendVerification(ctx context.Context, tx *Tx, t tenant.Tenant, userID int64, email, name string) error {
	secret, err := createToken(ctx, tx, t.ID, userID, user.PurposeVerifyEmail, "", user.VerifyEmailTTL)
	if err != nil {
		return err
	}
	return s.outbox.Enqueue(ctx, tx, t.ID, s.compose(t, email, name, "Confirm your e-mail address",
		"Welcome to "+t.Name+". Please confirm that this is your e-mail address to finish creating your account. The link works once and expires in 48 hours.",
		&mail.Action{Label: "Confirm my address", URL: s.portalURL(t) + "/verify-email?token=" + secret}))
}

func (s *UserService) compose(t tenant.Tenant, to, toName, subject, intro string, action *mail.Action) mail.Message {
	return mail.Compose(portalBranding(t, s.portalURL(t)),
		to, toName, subject, intro, action, "If you did not expect this message, you can ignore it.")
}

// ErrBadCredentials is the one answer to every failed sign-in, whatever
// the reason, so that it does not tell whether an account exists.
var ErrBadCredentials = &apperr.Error{Code: apperr.EUNAUTHORIZED, Message: "That e-mail address and password do not match an account here."}

// ErrEmailNotVerified is returned to a correct password on an address not
// yet confirmed; a fresh link is sent.
var ErrEmailNotVerified = &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Please confirm your e-mail address first: we have sent you a new link."}

// Authenticate checks an e-mail address and password against the tenant's
// active users, and records the attempt in the audit log.
func (s *UserService) Authenticate(ctx context.Context, t tenant.Tenant, email, password string, by AuditActor) (user.User, error) {
	email = strings.TrimSpace(email)
	var u user.User
	var hash string
	err := s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		var err error
		u, err = findUser(ctx, tx, `lower(u.email) = lower($1) AND u.status = 'active'`, email)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // no account: the password check below fails, in the same time
		}
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT coalesce(password_hash, '') FROM users WHERE tenant_id = $1 AND id = $2`, t.ID, u.ID).Scan(&hash)
	})
	if err != nil {
		return user.User{}, fmt.Errorf("user: authenticate: %w", err)
	}
	ok := user.CheckPassword(password, hash) // an empty hash costs the same time and fails
	by.UserID, by.Label = u.ID, email
	if !ok {
		if err := s.auditOnly(ctx, t.ID, by, "signin.failed", email); err != nil {
			return user.User{}, err
		}
		return user.User{}, ErrBadCredentials
	}
	if !u.EmailVerified {
		err := s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
			return s.sendVerification(ctx, tx, t, u.ID, u.Email, u.Name)
		})
		if err != nil {
			return user.User{}, fmt.Errorf("user: authenticate: %w", err)
		}
		return user.User{}, ErrEmailNotVerified
	}
	if err := s.auditOnly(ctx, t.ID, by, "signin", email); err != nil {
		return user.User{}, err
	}
	return u, nil
}

func (s *UserService) auditOnly(ctx context.Context, tenantID int64, by AuditActor, action, subject string) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return audit(ctx, tx, tenantID, by, action, subject, nil)
	})
	if err != nil {
		return fmt.Errorf("user: audit: %w", err)
	}
	return nil
}

// ErrBadLink answers every unknown, used or expired token.
var ErrBadLink = &apperr.Error{Code: apperr.EINVALID, Field: "token", Message: "This link is not valid any more: it may have been used already or have expired. Ask for a new one."}

// createToken stores a new single-use token and returns its secret.
func createToken(ctx context.Context, tx *Tx, tenantID, userID int64, purpose, newEmail string, ttl time.Duration) (string, error) {
	secret, hash := user.NewToken()
	var ne *string
	if newEmail != "" {
		ne = &newEmail
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO user_tokens (tenant_id, user_id, purpose, token_hash, new_email, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6::timestamptz + make_interval(secs => $7), $6)`,
		tenantID, userID, purpose, hash, ne, tx.Now, ttl.Seconds())
	return secret, err
}

// consumeToken marks a valid token used, once: two concurrent uses cannot
// both succeed, because the UPDATE takes the row's lock and re-checks.
func consumeToken(ctx context.Context, tx *Tx, tenantID int64, purpose, secret string) (userID int64, newEmail string, err error) {
	// A link works only for the person in the state it was sent for: an
	// invitation while they are invited, every other link while they are
	// active. A deactivated person's links stop at once (and work again,
	// within their time, if they are reactivated).
	holder := user.Active
	if purpose == user.PurposeInvitation {
		holder = user.Invited
	}
	var ne *string
	err = tx.QueryRow(ctx, `
		UPDATE user_tokens t SET used_at = $4
		FROM users u
		WHERE t.tenant_id = $1 AND t.token_hash = $2 AND t.purpose = $3 AND t.used_at IS NULL AND t.expires_at > $4
		  AND u.tenant_id = t.tenant_id AND u.id = t.user_id AND u.status = $5
		RETURNING t.user_id, t.new_email`, tenantID, user.HashToken(secret), purpose, tx.Now, holder).Scan(&userID, &ne)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", ErrBadLink
	}
	if ne != nil {
		newEmail = *ne
	}
	return userID, newEmail, err
}

// VerifyEmail confirms an address with the link's token.
func (s *UserService) VerifyEmail(ctx context.Context, t tenant.Tenant, secret string, by AuditActor) error {
	err := s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		id, _, err := consumeToken(ctx, tx, t.ID, user.PurposeVerifyEmail, secret)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = coalesce(email_verified_at, $3), updated_at = $3 WHERE tenant_id = $1 AND id = $2`, t.ID, id, tx.Now); err != nil {
			return err
		}
		by.UserID = id
		return audit(ctx, tx, t.ID, by, "user.email_verified", "", nil)
	})
	if err != nil {
		return fmt.Errorf("user: verify email: %w", err)
	}
	return nil
}

// RequestPasswordReset mails a reset link if the address has an active
// account, and answers the same either way.
func (s *UserService) RequestPasswordReset(ctx context.Context, t tenant.Tenant, email string, by AuditActor) error {
	email, err := user.NormalizeEmail(email)
	if err != nil {
		return err
	}
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		u, err := findUser(ctx, tx, `lower(u.email) = lower($1) AND u.status = 'active'`, email)
		if errors.Is(err, pgx.ErrNoRows) {
			return audit(ctx, tx, t.ID, by, "password.reset_requested.unknown", email, nil)
		}
		if err != nil {
			return err
		}
		secret, err := createToken(ctx, tx, t.ID, u.ID, user.PurposePasswordReset, "", user.PasswordResetTTL)
		if err != nil {
			return err
		}
		by.UserID = u.ID
		if err := audit(ctx, tx, t.ID, by, "password.reset_requested", u.Email, nil); err != nil {
			return err
		}
		return s.outbox.Enqueue(ctx, tx, t.ID, s.compose(t, u.Email, u.Name, "Reset your password",
			"Somebody asked to reset the password of your account on "+t.Name+". If it was you, choose a new password with the link below. It works once, within one hour.",
			&mail.Action{Label: "Choose a new password", URL: s.portalURL(t) + "/password/reset?token=" + secret}))
	})
	if err != nil {
		return fmt.Errorf("user: request password reset: %w", err)
	}
	return nil
}

// ResetPassword sets a new password with a reset link's token. Every
// session of the account ends.
func (s *UserService) ResetPassword(ctx context.Context, t tenant.Tenant, secret, password string, by AuditActor) error {
	if err := user.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := user.HashPassword(password)
	if err != nil {
		return err
	}
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		id, _, err := consumeToken(ctx, tx, t.ID, user.PurposePasswordReset, secret)
		if err != nil {
			return err
		}
		// The link came by e-mail, so the address is proven too.
		if _, err := tx.Exec(ctx, `
			UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1,
				email_verified_at = coalesce(email_verified_at, $4), updated_at = $4
			WHERE tenant_id = $1 AND id = $2`, t.ID, id, hash, tx.Now); err != nil {
			return err
		}
		by.UserID = id
		return audit(ctx, tx, t.ID, by, "password.reset", "", nil)
	})
	if err != nil {
		return fmt.Errorf("user: reset password: %w", err)
	}
	return nil
}

// ChangePassword replaces the password after checking the current one.
// Other sessions end; the new session epoch is returned so the caller can
// keep the current session.
func (s *UserService) ChangePassword(ctx context.Context, t tenant.Tenant, userID int64, current, next string, by AuditActor) (epoch int, err error) {
	if err := user.ValidatePassword(next); err != nil {
		return 0, err
	}
	if err := s.checkPassword(ctx, t.ID, userID, current, "current_password"); err != nil {
		return 0, err
	}
	hash, err := user.HashPassword(next)
	if err != nil {
		return 0, err
	}
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1, updated_at = $4
			WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`, t.ID, userID, hash, tx.Now).Scan(&epoch)
		if err != nil {
			return err
		}
		return audit(ctx, tx, t.ID, by, "password.change", "", nil)
	})
	if err != nil {
		return 0, fmt.Errorf("user: change password: %w", Error(err, "User"))
	}
	return epoch, nil
}

func (s *UserService) checkPassword(ctx context.Context, tenantID, userID int64, password, field string) error {
	var hash string
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(password_hash, '') FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, userID).Scan(&hash)
	})
	if err != nil {
		return fmt.Errorf("user: check password: %w", Error(err, "User"))
	}
	if !user.CheckPassword(password, hash) {
		return &apperr.Error{Code: apperr.EINVALID, Field: field, Message: "That is not your current password."}
	}
	return nil
}

// RequestEmailChange mails a confirmation link to the new address; the
// address changes only when the link is followed.
func (s *UserService) RequestEmailChange(ctx context.Context, t tenant.Tenant, userID int64, password, newEmail string, by AuditActor) error {
	newEmail, err := user.NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	if err := s.checkPassword(ctx, t.ID, userID, password, "password"); err != nil {
		return err
	}
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		u, err := findUser(ctx, tx, `u.id = $1`, userID)
		if err != nil {
			return err
		}
		secret, err := createToken(ctx, tx, t.ID, userID, user.PurposeChangeEmail, newEmail, user.ChangeEmailTTL)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, t.ID, by, "email.change_requested", newEmail, map[string]any{"from": u.Email}); err != nil {
			return err
		}
		return s.outbox.Enqueue(ctx, tx, t.ID, s.compose(t, newEmail, u.Name, "Confirm your new e-mail address",
			"You asked to use this address for your account on "+t.Name+". Confirm it with the link below, within 24 hours.",
			&mail.Action{Label: "Confirm my new address", URL: s.portalURL(t) + "/account/email/confirm?token=" + secret}))
	})
	if err != nil {
		return fmt.Errorf("user: request e-mail change: %w", Error(err, "User"))
	}
	return nil
}

// ConfirmEmailChange switches the account to the address the link was
// sent to.
func (s *UserService) ConfirmEmailChange(ctx context.Context, t tenant.Tenant, secret string, by AuditActor) error {
	err := s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		id, newEmail, err := consumeToken(ctx, tx, t.ID, user.PurposeChangeEmail, secret)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET email = $3, email_verified_at = $4, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
			t.ID, id, newEmail, tx.Now); err != nil {
			return err
		}
		by.UserID = id
		return audit(ctx, tx, t.ID, by, "email.change", newEmail, nil)
	})
	if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
		return &apperr.Error{Code: apperr.ECONFLICT, Field: "email", Message: "Another account already uses that address."}
	}
	if err != nil {
		return fmt.Errorf("user: confirm e-mail change: %w", err)
	}
	return nil
}

// SignOutEverywhere ends every session of the user by moving the session
// epoch on, and returns the new epoch.
func (s *UserService) SignOutEverywhere(ctx context.Context, tenantID, userID int64, by AuditActor) (epoch int, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`,
			tenantID, userID).Scan(&epoch); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "signout.everywhere", "", nil)
	})
	if err != nil {
		return 0, fmt.Errorf("user: sign out everywhere: %w", Error(err, "User"))
	}
	return epoch, nil
}

func addField(f apperr.Fields, err error) {
	var e *apperr.Error
	if errors.As(err, &e) && e.Field != "" {
		f.Add(e.Field, e.Message)
	}
}

// NewUser is an account created by an administrator or the seed.
type NewUser struct {
	Email, Name, Password string
	Roles                 []user.Role
	// PasswordHash, when set, is stored as it is and Password is not
	// used: the seed's demo people share one password, hashed once, where
	// hashing it for each (50 ms at the standard cost) would make the seed
	// seconds slower.
	PasswordHash string
}

// EnsureUser creates an active, verified account unless the address has one
// already, and returns the account either way. The seed uses it.
func (s *UserService) EnsureUser(ctx context.Context, t tenant.Tenant, in NewUser, by AuditActor) (user.User, error) {
	f := apperr.Fields{}
	name, err := user.ValidateName(in.Name)
	addField(f, err)
	email, err := user.NormalizeEmail(in.Email)
	addField(f, err)
	hash := in.PasswordHash
	if hash == "" {
		addField(f, user.ValidatePassword(in.Password))
	}
	addField(f, user.ValidateRoles(in.Roles))
	if err := f.Err(); err != nil {
		return user.User{}, err
	}
	if hash == "" {
		if hash, err = user.HashPassword(in.Password); err != nil {
			return user.User{}, err
		}
	}
	var u user.User
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO users (tenant_id, email, name, password_hash, time_zone, status, roles, email_verified_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7, $7)
			ON CONFLICT (tenant_id, lower(email)) DO NOTHING`,
			t.ID, email, name, hash, t.Settings.DefaultTimeZone, rolesText(in.Roles), tx.Now)
		if err != nil {
			return err
		}
		u, err = findUser(ctx, tx, `lower(u.email) = lower($1)`, email)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			if err := emitEvent(ctx, tx, webhook.UserCreated, func() (any, error) { return userCreated(u), nil }); err != nil {
				return err
			}
		}
		return audit(ctx, tx, t.ID, by, "user.create", email, map[string]any{"roles": rolesText(u.Roles)})
	})
	if err != nil {
		return user.User{}, fmt.Errorf("user: ensure: %w", err)
	}
	return u, nil
}

// Invitation is an administrator's invitation of a new person.
type Invitation struct {
	Email, Name string
	Roles       []user.Role
	// Inviter is who the mail says invites them; the actor's label when
	// empty.
	Inviter string
}

// Invite creates an account waiting for its owner and mails them a link,
// valid for seven days, to choose a password. Inviting an address that has
// an account is a conflict the administrator sees.
func (s *UserService) Invite(ctx context.Context, t tenant.Tenant, in Invitation, by AuditActor) (user.User, error) {
	f := apperr.Fields{}
	name, err := user.ValidateName(in.Name)
	addField(f, err)
	email, err := user.NormalizeEmail(in.Email)
	addField(f, err)
	addField(f, user.ValidateRoles(in.Roles))
	if err := f.Err(); err != nil {
		return user.User{}, err
	}
	var u user.User
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO users (tenant_id, email, name, time_zone, status, roles, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'invited', $5, $6, $6) RETURNING id`,
			t.ID, email, name, t.Settings.DefaultTimeZone, rolesText(in.Roles), tx.Now).Scan(&id)
		if err != nil {
			return err
		}
		if u, err = findUser(ctx, tx, `u.id = $1`, id); err != nil {
			return err
		}
		secret, err := createToken(ctx, tx, t.ID, id, user.PurposeInvitation, "", user.InvitationTTL)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, t.ID, by, "user.invite", email, map[string]any{"roles": rolesText(in.Roles)}); err != nil {
			return err
		}
		if err := emitEvent(ctx, tx, webhook.UserCreated, func() (any, error) { return userCreated(u), nil }); err != nil {
			return err
		}
		inviter := in.Inviter
		if inviter == "" {
			inviter = by.Label
		}
		return s.outbox.Enqueue(ctx, tx, t.ID, s.invitationMail(t, email, name, inviter, secret))
	})
	if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
		return user.User{}, apperr.Fields{"email": "Someone with that address already has an account here."}
	}
	if err != nil {
		return user.User{}, fmt.Errorf("user: invite: %w", err)
	}
	return u, nil
}

// invitationMail is the invitation to a portal, with its link.
func (s *UserService) invitationMail(t tenant.Tenant, email, name, inviter, secret string) mail.Message {
	return s.compose(t, email, name, "You are invited to "+t.Name,
		inviter+" has invited you to learn on "+t.Name+". Choose your password with the link below to start; it works once, within seven days.",
		&mail.Action{Label: "Accept the invitation", URL: s.portalURL(t) + "/invitations/accept?token=" + url.QueryEscape(secret)})
}

// AcceptInvitation sets the invited person's name and password with the
// invitation's token and activates the account.
func (s *UserService) AcceptInvitation(ctx context.Context, t tenant.Tenant, secret, name, password string, by AuditActor) (user.User, error) {
	f := apperr.Fields{}
	name, err := user.ValidateName(name)
	addField(f, err)
	addField(f, user.ValidatePassword(password))
	if err := f.Err(); err != nil {
		return user.User{}, err
	}
	hash, err := user.HashPassword(password)
	if err != nil {
		return user.User{}, err
	}
	var u user.User
	err = s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		id, _, err := consumeToken(ctx, tx, t.ID, user.PurposeInvitation, secret)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE users SET name = $3, password_hash = $4, status = 'active', email_verified_at = $5, updated_at = $5
			WHERE tenant_id = $1 AND id = $2 AND status = 'invited'`, t.ID, id, name, hash, tx.Now); err != nil {
			return err
		}
		if u, err = findUser(ctx, tx, `u.id = $1`, id); err != nil {
			return err
		}
		by.UserID, by.Label = u.ID, u.Email
		if err := audit(ctx, tx, t.ID, by, "user.invitation_accepted", u.Email, nil); err != nil {
			return err
		}
		// What was assigned to their groups while they were invited.
		return applyAllGroupAssignments(ctx, tx, u.ID)
	})
	if err != nil {
		return user.User{}, fmt.Errorf("user: accept invitation: %w", err)
	}
	return u, nil
}

// UserUpdate is what an administrator may change about a person.
type UserUpdate struct {
	Name      string
	Roles     []user.Role
	ManagerID *int64
	Status    user.Status // active or deactivated
}

// UpdateUser saves an administrator's changes. A change of roles or status
// moves the session epoch on, so the person's sessions pick up their new
// privileges by signing in again.
func (s *UserService) UpdateUser(ctx context.Context, tenantID, id int64, upd UserUpdate, by AuditActor) (user.User, error) {
	f := apperr.Fields{}
	name, err := user.ValidateName(upd.Name)
	addField(f, err)
	addField(f, user.ValidateRoles(upd.Roles))
	if upd.Status != user.Active && upd.Status != user.Deactivated && upd.Status != user.Invited {
		f.Add("status", "Choose active or deactivated.")
	}
	if upd.ManagerID != nil && *upd.ManagerID == id {
		f.Add("manager_id", "A person cannot be their own manager.")
	}
	if err := f.Err(); err != nil {
		return user.User{}, err
	}
	var u user.User
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		before, err := findUser(ctx, tx, `u.id = $1`, id)
		if err != nil {
			return err
		}
		if upd.Status == user.Invited && before.Status != user.Invited {
			return apperr.Fields{"status": "Choose active or deactivated."}
		}
		privileged := !sameRoles(before.Roles, upd.Roles) || before.Status != upd.Status
		_, err = tx.Exec(ctx, `
			UPDATE users SET name = $3, roles = $4, manager_id = $5, status = $6,
				session_epoch = session_epoch + CASE WHEN $7 THEN 1 ELSE 0 END, updated_at = $8
			WHERE tenant_id = $1 AND id = $2`,
			tenantID, id, name, rolesText(upd.Roles), upd.ManagerID, upd.Status, privileged, tx.Now)
		if err != nil {
			return err
		}
		if u, err = findUser(ctx, tx, `u.id = $1`, id); err != nil {
			return err
		}
		if before.Status == user.Deactivated && u.Status == user.Active {
			// Back again: they take their seat back, if one is free, and
			// catch up with what their groups were given meanwhile.
			if err := retakeSeat(ctx, tx, id); err != nil {
				return err
			}
			if err := applyAllGroupAssignments(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, tenantID, by, "user.update", u.Email, map[string]any{
			"roles_before": rolesText(before.Roles), "roles": rolesText(u.Roles),
			"status_before": before.Status, "status": u.Status, "manager_id": u.ManagerID,
		})
	})
	if c := apperr.Code(Error(err, "")); c == apperr.EINVALID && errors.As(err, new(*pgconn.PgError)) {
		return user.User{}, apperr.Fields{"manager_id": "Choose a manager from this portal."}
	}
	if err != nil {
		return user.User{}, fmt.Errorf("user: update: %w", Error(err, "User"))
	}
	return u, nil
}

func sameRoles(a, b []user.Role) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			return false
		}
	}
	return true
}

// UpdateProfile saves what people may change about themselves: their name
// and time zone.
func (s *UserService) UpdateProfile(ctx context.Context, tenantID, userID int64, name, timeZone string, by AuditActor) (user.User, error) {
	f := apperr.Fields{}
	name, err := user.ValidateName(name)
	addField(f, err)
	timeZone, err = user.ValidateTimeZone(timeZone)
	addField(f, err)
	if err := f.Err(); err != nil {
		return user.User{}, err
	}
	var u user.User
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET name = $3, time_zone = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
			tenantID, userID, name, timeZone, tx.Now); err != nil {
			return err
		}
		var err error
		if u, err = findUser(ctx, tx, `u.id = $1`, userID); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "user.profile", u.Email, map[string]any{"time_zone": timeZone})
	})
	if err != nil {
		return user.User{}, fmt.Errorf("user: update profile: %w", Error(err, "User"))
	}
	return u, nil
}
