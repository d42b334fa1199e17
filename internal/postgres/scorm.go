package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/cmi"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/scorm"
)

// ScormService stores imported SCORM packages and learners' attempts at
// their SCOs. Package files live on disk below Dir; rows say which.
type ScormService struct {
	db *DB
	// Dir is where packages are extracted: Dir/<tenant>/<package id>/.
	Dir string
}

// NewScormService returns the SCORM store; dir holds extracted packages.
func NewScormService(db *DB, dir string) *ScormService { return &ScormService{db: db, Dir: dir} }

// Secret returns the platform's secret of that name, made (32 random
// bytes) the first time any process asks, so every process shares it.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var secret []byte
	err := db.Pool.QueryRow(ctx, `
		WITH made AS (INSERT INTO platform_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING secret)
		SELECT secret FROM made UNION ALL SELECT secret FROM platform_secrets WHERE name = $1 LIMIT 1`, name, fresh).Scan(&secret)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return secret, nil
}

// ScormPackage is one uploaded version of a package.
type ScormPackage struct {
	ID, CourseID int64
	Version      int
	Manifest     scorm.Package
	Files        int
	Bytes        int64
	CreatedAt    time.Time
}

// PackageDir is where a package's files are: Dir/<tenant>/<package>.
func (s *ScormService) PackageDir(tenantID, packageID int64) string {
	return filepath.Join(s.Dir, strconv.FormatInt(tenantID, 10), strconv.FormatInt(packageID, 10))
}

// CMIVersion is the runtime the package's SCOs talk to.
func (p ScormPackage) CMIVersion() cmi.Version {
	if p.Manifest.Version.Is2004() {
		return cmi.V2004
	}
	return cmi.V12
}

// Rules are the item's rules for the runtime.
func Rules(it scorm.Item) cmi.Rules {
	return cmi.Rules{MasteryScore: it.MasteryScore, CompletionThreshold: it.CompletionThreshold,
		ScaledPassingScore: it.ScaledPassingScore, LaunchData: it.DataFromLMS}
}

const scormPackageColumns = `p.id, p.course_id, p.version, p.manifest, p.file_count, p.bytes, p.created_at`

func scanScormPackage(row pgx.CollectableRow) (ScormPackage, error) {
	var p ScormPackage
	var manifest []byte
	if err := row.Scan(&p.ID, &p.CourseID, &p.Version, &manifest, &p.Files, &p.Bytes, &p.CreatedAt); err != nil {
		return p, err
	}
	return p, json.Unmarshal(manifest, &p.Manifest)
}

// FindPackage returns a package version of the portal.
func (s *ScormService) FindPackage(ctx context.Context, tenantID, id int64) (ScormPackage, error) {
	var p ScormPackage
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		p, err = findScormPackage(ctx, tx, id)
		return err
	})
	if err != nil {
		return ScormPackage{}, fmt.Errorf("scorm: package: %w", Error(err, "Package"))
	}
	return p, nil
}

func findScormPackage(ctx context.Context, tx *Tx, id int64) (ScormPackage, error) {
	rows, err := tx.Query(ctx, `SELECT `+scormPackageColumns+` FROM scorm_packages p WHERE p.tenant_id = current_tenant_id() AND p.id = $1`, id)
	if err != nil {
		return ScormPackage{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanScormPackage)
}

// ScormLaunch is one learner's session with one SCO: what a launch token
// carries, signed, to the content host. Attempt is the attempt it runs:
// the latest, or a new one when the latest finished.
type ScormLaunch struct {
	Tenant        int64  `json:"t"`
	User          int64  `json:"u"`
	Course        int64  `json:"c"`
	Enrolment     int64  `json:"e"`
	CourseAttempt int    `json:"ca"`
	Lesson        string `json:"l"`
	Block         string `json:"b"`
	Package       int64  `json:"p"`
	Attempt       int    `json:"a"`
	Session       string `json:"s"`
	Expires       int64  `json:"x"` // Unix seconds
	// Origin is the portal's origin the lesson was opened on: the only
	// page that may frame the launch and its files.
	Origin string `json:"o"`
}

// NextAttempt is the attempt a launch of the block runs: the latest, or
// the next when the latest finished (or none was made). It reads only.
func (s *ScormService) NextAttempt(ctx context.Context, tenantID, enrolmentID int64, courseAttempt int, blockKey string) (int, error) {
	n := 1
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var attempt int
		var finished bool
		err := tx.QueryRow(ctx, `
			SELECT attempt, completion = 'completed' FROM scorm_attempts
			WHERE tenant_id = current_tenant_id() AND enrolment_id = $1 AND course_attempt = $2 AND block_key = $3
			ORDER BY attempt DESC LIMIT 1`, enrolmentID, courseAttempt, blockKey).Scan(&attempt, &finished)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		n = attempt
		if finished {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("scorm: next attempt: %w", err)
	}
	return n, nil
}

// ScormSession is what the content host needs to run a launch.
type ScormSession struct {
	Package ScormPackage
	Item    scorm.Item
	Attempt cmi.Attempt
	Learner cmi.Learner
}

// FindSession loads a launch: the package, its item and the attempt so
// far (fresh when it has not begun). The enrolment must still be the
// learner's, in the same course attempt.
func (s *ScormService) FindSession(ctx context.Context, l ScormLaunch) (ScormSession, error) {
	var out ScormSession
	err := s.db.InTenantTx(ctx, l.Tenant, func(tx *Tx) error {
		var err error
		if out.Package, err = findScormPackage(ctx, tx, l.Package); err != nil {
			return err
		}
		it, ok := findItemByBlock(out.Package, l.Block)
		if !ok {
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "This SCO is not in its package."}
		}
		out.Item = it
		var name string
		if err := tx.QueryRow(ctx, `
			SELECT u.name FROM enrolments e JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = current_tenant_id() AND e.id = $1 AND e.user_id = $2 AND e.attempt = $3`,
			l.Enrolment, l.User, l.CourseAttempt).Scan(&name); err != nil {
			return err
		}
		out.Learner = cmi.Learner{ID: fmt.Sprint(l.User), Name: name}
		out.Attempt, _, _, err = findScormAttempt(ctx, tx, l, out.Package.CMIVersion(), false)
		return err
	})
	if err != nil {
		return ScormSession{}, fmt.Errorf("scorm: session: %w", Error(err, "Launch"))
	}
	return out, nil
}

// BlockKey is the key of the block of a package's item, and LessonKey of
// its lesson: derived from the identifier, so that every version of the
// package keeps them (and learners' records with them).
func BlockKey(identifier string) string { return "sco-" + keyPart(identifier) }

// LessonKey: see BlockKey.
func LessonKey(identifier string) string { return "l-" + keyPart(identifier) }

// keyPart makes an identifier fit a course key (lower-case letters, digits
// and hyphens): a readable part and a short hash that keeps two
// identifiers that read alike apart.
func keyPart(identifier string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(identifier) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	sum := sha256.Sum256([]byte(identifier))
	return strings.Trim(b.String(), "-") + "-" + hex.EncodeToString(sum[:3])
}

func findItemByBlock(p ScormPackage, block string) (scorm.Item, bool) {
	for _, it := range p.Manifest.Items {
		if BlockKey(it.Identifier) == block {
			return it, true
		}
	}
	return scorm.Item{}, false
}

// findScormAttempt reads the launch's attempt (locked when lock is set);
// a fresh one when none is stored, with found false.
func findScormAttempt(ctx context.Context, tx *Tx, l ScormLaunch, v cmi.Version, lock bool) (a cmi.Attempt, found bool, session struct {
	id   string
	base time.Duration
}, err error) {
	q := `SELECT data, lesson_status, completion, success, session_id, session_base_ms, total_time_ms FROM scorm_attempts
		WHERE tenant_id = current_tenant_id() AND enrolment_id = $1 AND course_attempt = $2 AND block_key = $3 AND attempt = $4`
	if lock {
		q += ` FOR UPDATE`
	}
	var data []byte
	var baseMS, totalMS int64
	a = cmi.New(v)
	err = tx.QueryRow(ctx, q, l.Enrolment, l.CourseAttempt, l.Block, l.Attempt).Scan(&data, &a.LessonStatus, &a.Completion, &a.Success,
		&session.id, &baseMS, &totalMS)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, session, nil
	}
	if err != nil {
		return a, false, session, err
	}
	if err := json.Unmarshal(data, &a.Data); err != nil {
		return a, false, session, err
	}
	session.base = time.Duration(baseMS) * time.Millisecond
	// The summary follows from the data, but the statuses and the total
	// time are kept as stored: the item's rules made them.
	status, completion, success := a.LessonStatus, a.Completion, a.Success
	if a, err = cmi.Apply(v, a, nil, cmi.Rules{}, 0); err != nil {
		return a, false, session, err
	}
	a.LessonStatus, a.Completion, a.Success = status, completion, success
	a.TotalTime = time.Duration(totalMS) * time.Millisecond
	return a, true, session, nil
}

// ErrScormLaunchGone answers a commit of a course attempt the learner has
// since restarted or left.
var ErrScormLaunchGone = &apperr.Error{Code: apperr.ECONFLICT,
	Message: "This course was restarted or left since the SCO was opened: reload the lesson."}

// ErrScormLaunchRevoked answers a launch whose learner was deactivated, or
// whose portal was suspended, after it was minted: a launch token is a
// bearer credential, and it stops with the person it was given to.
var ErrScormLaunchRevoked = &apperr.Error{Code: apperr.ENOTFOUND,
	Message: "This activity is no longer available to you."}

// checkLaunchHolder refuses a launch whose learner is no longer active in
// an active portal.
func checkLaunchHolder(ctx context.Context, tx *Tx, l ScormLaunch) error {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT u.status = 'active' AND t.status = 'active'
		FROM users u JOIN tenants t ON t.id = u.tenant_id
		WHERE u.tenant_id = current_tenant_id() AND u.id = $1`, l.User).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !ok {
		return ErrScormLaunchRevoked
	}
	return err
}

// CheckLaunch refuses a launch whose learner was deactivated, or whose
// portal was suspended, since it was minted (ErrScormLaunchRevoked).
func (s *ScormService) CheckLaunch(ctx context.Context, l ScormLaunch) error {
	return s.db.InTenantTx(ctx, l.Tenant, func(tx *Tx) error { return checkLaunchHolder(ctx, tx, l) })
}

// Commit checks and stores what the SCO's runtime sent, in the attempt of
// the launch, under the enrolment's lock. The lesson's block is done when
// the attempt is (and stays done); status changes and scores become
// learning records; and the lesson and course complete as for native
// content. A commit that breaks the data model's rules (a *cmi.Error)
// changes nothing.
func (s *ScormService) Commit(ctx context.Context, l ScormLaunch, commit map[string]any) (cmi.Attempt, error) {
	var out cmi.Attempt
	err := s.db.InTenantTx(ctx, l.Tenant, func(tx *Tx) error {
		if err := checkLaunchHolder(ctx, tx, l); err != nil {
			return err
		}
		lc, err := findLearnerCourse(ctx, tx, l.User, `c.id = $2`, l.Course)
		if err != nil {
			return err
		}
		if err := lockEnrolment(ctx, tx, &lc); err != nil {
			return err
		}
		if lc.Enrolment.ID != l.Enrolment || lc.Enrolment.Attempt != l.CourseAttempt {
			return ErrScormLaunchGone
		}
		pkg, err := findScormPackage(ctx, tx, l.Package)
		if err != nil {
			return err
		}
		item, ok := findItemByBlock(pkg, l.Block)
		if !ok {
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "This SCO is not in its package."}
		}
		v := pkg.CMIVersion()
		prev, found, session, err := findScormAttempt(ctx, tx, l, v, true)
		if err != nil {
			return err
		}
		base := session.base
		if found && session.id != l.Session {
			base = prev.TotalTime // a new session starts from the attempt's total
		}
		next, err := cmi.Apply(v, prev, commit, Rules(item), base)
		if err != nil {
			return err
		}
		data, err := json.Marshal(next.Data)
		if err != nil {
			return err
		}
		var completedAt *time.Time
		if next.Finished() {
			completedAt = &tx.Now
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO scorm_attempts (tenant_id, enrolment_id, course_attempt, block_key, attempt, package_id, scorm_version, data,
				lesson_status, completion, success, score_raw, score_min, score_max, score_scaled, location, suspend_data, exit,
				session_id, session_base_ms, total_time_ms, commits, started_at, updated_at, completed_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, $21, $21, $22)
			ON CONFLICT (tenant_id, enrolment_id, course_attempt, block_key, attempt) DO UPDATE SET
				package_id = EXCLUDED.package_id, data = EXCLUDED.data, lesson_status = EXCLUDED.lesson_status,
				completion = EXCLUDED.completion, success = EXCLUDED.success, score_raw = EXCLUDED.score_raw,
				score_min = EXCLUDED.score_min, score_max = EXCLUDED.score_max, score_scaled = EXCLUDED.score_scaled,
				location = EXCLUDED.location, suspend_data = EXCLUDED.suspend_data, exit = EXCLUDED.exit,
				session_id = EXCLUDED.session_id, session_base_ms = EXCLUDED.session_base_ms, total_time_ms = EXCLUDED.total_time_ms,
				commits = scorm_attempts.commits + 1, updated_at = EXCLUDED.updated_at,
				completed_at = coalesce(scorm_attempts.completed_at, EXCLUDED.completed_at)`,
			l.Enrolment, l.CourseAttempt, l.Block, l.Attempt, pkg.ID, string(pkg.Manifest.Version), data,
			next.LessonStatus, next.Completion, next.Success, next.Score.Raw, next.Score.Min, next.Score.Max, next.Score.Scaled,
			next.Location, next.SuspendData, next.Exit, l.Session, base.Milliseconds(), next.TotalTime.Milliseconds(),
			tx.Now, completedAt); err != nil {
			return err
		}
		if err := recordScormChanges(ctx, tx, &lc, l, item, prev, next, found); err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"attempt": l.Attempt, "completion": next.Completion, "success": next.Success, "score": next.Score.Scaled})
		if _, err := tx.Exec(ctx, `
			INSERT INTO block_responses (tenant_id, enrolment_id, attempt, block_key, body, done, updated_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant_id, enrolment_id, attempt, block_key) DO UPDATE SET body = EXCLUDED.body,
				done = block_responses.done OR EXCLUDED.done, updated_at = EXCLUDED.updated_at`,
			l.Enrolment, l.CourseAttempt, l.Block, body, next.Done(), tx.Now); err != nil {
			return err
		}
		if _, err := lc.Content.Lesson(l.Lesson); err != nil {
			return nil // a lesson of another version of the course: recorded, nothing to settle
		}
		out = next
		return settle(ctx, tx, &lc, l.Lesson)
	})
	if err != nil {
		var ce *cmi.Error
		if errors.As(err, &ce) {
			return cmi.Attempt{}, ce
		}
		return cmi.Attempt{}, fmt.Errorf("scorm: commit: %w", Error(err, "Attempt"))
	}
	return out, nil
}

// recordScormChanges writes the learning records of what changed: a new
// attempt, completion, passing or failing, a new score.
func recordScormChanges(ctx context.Context, tx *Tx, lc *LearnerCourse, l ScormLaunch, item scorm.Item, prev, next cmi.Attempt, found bool) error {
	object := fmt.Sprintf("%s/sco/%s", courseObject(lc.ID), l.Block)
	context := map[string]any{"course_attempt": l.CourseAttempt, "sco_attempt": l.Attempt, "package": l.Package}
	result := func(extra map[string]any) map[string]any {
		r := map[string]any{}
		if sc := next.Score; sc.Scaled != nil || sc.Raw != nil {
			score := map[string]any{}
			for k, v := range map[string]*float64{"scaled": sc.Scaled, "raw": sc.Raw, "min": sc.Min, "max": sc.Max} {
				if v != nil {
					score[k] = *v
				}
			}
			r["score"] = score
		}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	say := func(verb string, extra map[string]any) error {
		return record(ctx, tx, l.User, verb, "sco", object, item.Title, result(extra), context)
	}
	if !found {
		if err := say(learning.VerbAttempted, nil); err != nil {
			return err
		}
	}
	if next.Completion == "completed" && prev.Completion != "completed" {
		if err := say(learning.VerbCompleted, map[string]any{"completion": true}); err != nil {
			return err
		}
	}
	if next.Success != prev.Success && (next.Success == "passed" || next.Success == "failed") {
		verb := learning.VerbPassed
		if next.Success == "failed" {
			verb = learning.VerbFailed
		}
		return say(verb, map[string]any{"success": next.Success == "passed"})
	}
	if !sameScore(prev.Score, next.Score) && (next.Score.Scaled != nil || next.Score.Raw != nil) {
		return say(learning.VerbScored, nil)
	}
	return nil
}

func sameScore(a, b cmi.Score) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eq(a.Raw, b.Raw) && eq(a.Scaled, b.Scaled) && eq(a.Min, b.Min) && eq(a.Max, b.Max)
}
