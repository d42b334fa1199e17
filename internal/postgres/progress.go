package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/webhook"
)

// Every progress write runs the same way: lock the learner's enrolment
// row, check the attempt is still the one the page was showing, write,
// then settle (complete the lesson, the course and any path when their
// time has come). The row lock serialises a learner's concurrent requests
// (a double click, two tabs, a retried POST), so each completion, record
// and certificate is written once.

// errRestarted says the page is from an attempt the learner has left.
var errRestarted = &apperr.Error{Code: apperr.ECONFLICT, Field: "attempt",
	Message: "You restarted this course in another tab or window. Reload the page to carry on with your new attempt."}

// lockEnrolment locks the enrolment and checks it is on attempt.
func lockEnrolment(ctx context.Context, tx *Tx, lc *LearnerCourse) error {
	if lc.Enrolment == nil {
		return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Start the course first."}
	}
	var attempt int
	var status string
	if err := tx.QueryRow(ctx, `SELECT attempt, status FROM enrolments WHERE tenant_id = current_tenant_id() AND id = $1 FOR UPDATE`,
		lc.Enrolment.ID).Scan(&attempt, &status); err != nil {
		return err
	}
	if status == string(learning.Withdrawn) {
		return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "You left this course. Start it again to carry on."}
	}
	if attempt != lc.Enrolment.Attempt {
		return errRestarted
	}
	return nil
}

// lessonBlock finds a lesson of the learner's version and, when blockKey is
// given, a block of that lesson of the kind wanted; anything else is not
// found, so a block of another lesson or course never matches.
func lessonBlock(lc *LearnerCourse, lessonKey, blockKey string, kind course.Kind) (*course.Lesson, *course.Block, error) {
	notFound := &apperr.Error{Code: apperr.ENOTFOUND, Message: "Lesson not found."}
	if blockKey == "" {
		l, err := lc.Content.Lesson(lessonKey)
		if err != nil {
			return nil, nil, notFound
		}
		return l, nil, nil
	}
	l, b, err := lc.Content.Block(lessonKey, blockKey)
	if err != nil || b.Kind != kind {
		return nil, nil, notFound
	}
	return l, b, nil
}

// SubmitQuiz scores and stores a learner's answers to a quiz. number is the
// attempt the form was for: the same number again (a resubmitted form)
// returns the stored attempt; any other number than the next is refused.
func (s *LearningService) SubmitQuiz(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey, blockKey string, number int, answers learning.Answers) (QuizAttempt, error) {
	var out QuizAttempt
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, b, err := lessonBlock(&lc, lessonKey, blockKey, course.KindQuiz)
		if err != nil {
			return err
		}
		if err := lockEnrolment(ctx, tx, &lc); err != nil {
			return err
		}
		e := lc.Enrolment
		var used int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM quiz_attempts WHERE tenant_id = current_tenant_id() AND enrolment_id = $1 AND attempt = $2 AND block_key = $3`,
			e.ID, e.Attempt, blockKey).Scan(&used); err != nil {
			return err
		}
		switch {
		case number >= 1 && number <= used: // already submitted: the same answer again
			return tx.QueryRow(ctx, `SELECT number, answers, score, passed, submitted_at FROM quiz_attempts
				WHERE tenant_id = current_tenant_id() AND enrolment_id = $1 AND attempt = $2 AND block_key = $3 AND number = $4`,
				e.ID, e.Attempt, blockKey, number).Scan(&out.Number, &out.Answers, &out.Score, &out.Passed, &out.SubmittedAt)
		case number != used+1:
			return &apperr.Error{Code: apperr.EINVALID, Field: "number", Message: "That quiz attempt does not exist. Reload the page and try again."}
		case !learning.MayAttempt(*b.Quiz, used):
			return &apperr.Error{Code: apperr.ECONFLICT, Field: "number", Message: fmt.Sprintf("You have used all %d attempts at this quiz.", b.Quiz.Attempts)}
		}
		if err := learning.CheckAnswers(*b.Quiz, answers); err != nil {
			return err
		}
		r := learning.Score(*b.Quiz, answers)
		out = QuizAttempt{Number: number, Answers: answers, Score: r.Score, Passed: r.Passed, SubmittedAt: tx.Now}
		if _, err := tx.Exec(ctx, `
			INSERT INTO quiz_attempts (tenant_id, enrolment_id, attempt, block_key, number, answers, score, passed, submitted_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)`,
			e.ID, e.Attempt, blockKey, number, answers, r.Score, r.Passed, tx.Now); err != nil {
			return err
		}
		verb := learning.VerbFailed
		if r.Passed {
			verb = learning.VerbPassed
		}
		l, _ := lc.Content.Lesson(lessonKey)
		if err := record(ctx, tx, e.UserID, verb, "quiz", fmt.Sprintf("%s/lesson/%s/quiz/%s", courseObject(lc.ID), lessonKey, blockKey), l.Title,
			map[string]any{"score": map[string]any{"scaled": float64(r.Score) / 100, "raw": r.Score, "min": 0, "max": 100}, "success": r.Passed},
			map[string]any{"attempt": number, "course_attempt": e.Attempt}); err != nil {
			return err
		}
		return settle(ctx, tx, &lc, lessonKey)
	})
	if err != nil {
		return QuizAttempt{}, fmt.Errorf("learning: submit quiz: %w", Error(err, "Quiz"))
	}
	return out, nil
}

// ReflectionBody is a reflection's stored answer.
type ReflectionBody struct {
	Text string `json:"text"`
}

// ChecklistBody is a checklist's stored state, item by item.
type ChecklistBody struct {
	Items []ChecklistItemState `json:"items"`
}

// ChecklistItemState is one item: ticked or not, and the date the learner
// set for it.
type ChecklistItemState struct {
	Done bool   `json:"done"`
	Due  string `json:"due,omitempty"` // YYYY-MM-DD
}

// SaveReflection stores the learner's private answer to a reflection; an
// answer with words in it counts as done. share shows it to the learner's
// manager; without it, no one but the learner sees it.
func (s *LearningService) SaveReflection(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey, blockKey, text string, share bool) error {
	if err := learning.CheckReflection(text); err != nil {
		return err
	}
	return s.saveResponse(ctx, tenantID, lc, lessonKey, blockKey, course.KindReflection, ReflectionBody{Text: text}, len(strings.Fields(text)) > 0, share)
}

// SaveWriting stores the learner's draft of a writing practice and their
// rating of it against the rubric. It is done once the draft opens the
// model answer and every statement is rated; share shows it to their
// manager.
func (s *LearningService) SaveWriting(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey, blockKey string, d learning.Draft, share bool) error {
	_, b, err := lessonBlock(&lc, lessonKey, blockKey, course.KindWriting)
	if err != nil {
		return fmt.Errorf("learning: save writing: %w", err)
	}
	if err := learning.CheckDraft(*b.Writing, d); err != nil {
		return err
	}
	return s.saveResponse(ctx, tenantID, lc, lessonKey, blockKey, course.KindWriting, d, learning.DraftDone(*b.Writing, d), share)
}

// SaveChecklist stores the learner's ticks and dates for an action plan;
// share shows the plan to their manager.
func (s *LearningService) SaveChecklist(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey, blockKey string, items []ChecklistItemState, share bool) error {
	_, b, err := lessonBlock(&lc, lessonKey, blockKey, course.KindChecklist)
	if err != nil {
		return fmt.Errorf("learning: save checklist: %w", err)
	}
	if len(items) != len(b.Checklist.Items) {
		return &apperr.Error{Code: apperr.EINVALID, Field: "items", Message: "The action plan changed since the page was loaded. Reload it and try again."}
	}
	all := true
	for i, it := range items {
		if it.Due != "" {
			if _, err := time.Parse(time.DateOnly, it.Due); err != nil {
				return &apperr.Error{Code: apperr.EINVALID, Field: fmt.Sprintf("item%d_due", i), Message: fmt.Sprintf("Give step %d's date as a date, like 2026-12-31.", i+1)}
			}
		}
		all = all && it.Done
	}
	return s.saveResponse(ctx, tenantID, lc, lessonKey, blockKey, course.KindChecklist, ChecklistBody{Items: items}, all, share)
}

func (s *LearningService) saveResponse(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey, blockKey string, kind course.Kind, body any, done, share bool) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, _, err := lessonBlock(&lc, lessonKey, blockKey, kind); err != nil {
			return err
		}
		if err := lockEnrolment(ctx, tx, &lc); err != nil {
			return err
		}
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		var sharedAt *time.Time
		if share {
			sharedAt = &tx.Now
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO block_responses (tenant_id, enrolment_id, attempt, block_key, body, done, updated_at, shared_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (tenant_id, enrolment_id, attempt, block_key) DO UPDATE SET body = EXCLUDED.body, done = EXCLUDED.done,
				updated_at = EXCLUDED.updated_at,
				shared_at = CASE WHEN EXCLUDED.shared_at IS NULL THEN NULL ELSE coalesce(block_responses.shared_at, EXCLUDED.shared_at) END`,
			lc.Enrolment.ID, lc.Enrolment.Attempt, blockKey, data, done, tx.Now, sharedAt); err != nil {
			return err
		}
		return settle(ctx, tx, &lc, lessonKey)
	})
	if err != nil {
		return fmt.Errorf("learning: save %s: %w", kind, Error(err, "Answer"))
	}
	return nil
}

// MarkComplete completes a lesson that has nothing to do but read. Marking
// it again changes nothing.
func (s *LearningService) MarkComplete(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey string) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		l, _, err := lessonBlock(&lc, lessonKey, "", "")
		if err != nil {
			return err
		}
		if !learning.NeedsMarking(*l) {
			return &apperr.Error{Code: apperr.EINVALID, Message: "This lesson completes when you finish its activities."}
		}
		if err := lockEnrolment(ctx, tx, &lc); err != nil {
			return err
		}
		// Marking a lesson already complete (a second click, a resent
		// form) changes nothing: no record, no settling.
		if done, err := completeLesson(ctx, tx, &lc, l); err != nil || !done {
			return err
		}
		return settle(ctx, tx, &lc, lessonKey)
	})
	if err != nil {
		return fmt.Errorf("learning: mark complete: %w", Error(err, "Lesson"))
	}
	return nil
}

// Heartbeat records that the learner has the lesson open: time spent (as
// learning.BeatCredit allows), first and last access, and where to resume.
func (s *LearningService) Heartbeat(ctx context.Context, tenantID int64, lc LearnerCourse, lessonKey string) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, _, err := lessonBlock(&lc, lessonKey, "", ""); err != nil {
			return err
		}
		if err := lockEnrolment(ctx, tx, &lc); err != nil {
			return err
		}
		var last *time.Time
		if err := tx.QueryRow(ctx, `SELECT last_access_at FROM enrolments WHERE tenant_id = current_tenant_id() AND id = $1`, lc.Enrolment.ID).Scan(&last); err != nil {
			return err
		}
		credit := int(learning.BeatCredit(last, tx.Now) / time.Second)
		if _, err := tx.Exec(ctx, `
			UPDATE enrolments SET time_spent_seconds = time_spent_seconds + $2, last_access_at = $3,
				first_access_at = coalesce(first_access_at, $3), last_lesson_key = $4
			WHERE tenant_id = current_tenant_id() AND id = $1`, lc.Enrolment.ID, credit, tx.Now, lessonKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO lesson_progress (tenant_id, enrolment_id, attempt, lesson_key, first_seen_at, time_spent_seconds)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, enrolment_id, attempt, lesson_key) DO UPDATE
				SET time_spent_seconds = lesson_progress.time_spent_seconds + EXCLUDED.time_spent_seconds`,
			lc.Enrolment.ID, lc.Enrolment.Attempt, lessonKey, tx.Now, credit)
		return err
	})
	if err != nil {
		return fmt.Errorf("learning: heartbeat: %w", Error(err, "Lesson"))
	}
	return nil
}

// completeLesson records a lesson's completion once.
func completeLesson(ctx context.Context, tx *Tx, lc *LearnerCourse, l *course.Lesson) (bool, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO lesson_progress (tenant_id, enrolment_id, attempt, lesson_key, first_seen_at, completed_at)
		VALUES (current_tenant_id(), $1, $2, $3, $4, $4)
		ON CONFLICT (tenant_id, enrolment_id, attempt, lesson_key) DO UPDATE SET completed_at = EXCLUDED.completed_at
			WHERE lesson_progress.completed_at IS NULL`,
		lc.Enrolment.ID, lc.Enrolment.Attempt, l.Key, tx.Now)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	if err := record(ctx, tx, lc.Enrolment.UserID, learning.VerbCompleted, "lesson",
		fmt.Sprintf("%s/lesson/%s", courseObject(lc.ID), l.Key), l.Title, map[string]any{"completion": true},
		map[string]any{"course_attempt": lc.Enrolment.Attempt}); err != nil {
		return false, err
	}
	return true, emitEvent(ctx, tx, webhook.LessonCompleted, func() (any, error) {
		u, err := eventUser(ctx, tx, lc.Enrolment.UserID)
		return webhook.LessonCompletedData{User: u, Course: lc.eventCourse(), Lesson: webhook.Lesson{Key: l.Key, Title: l.Title},
			EnrolmentID: lc.Enrolment.ID, Attempt: lc.Enrolment.Attempt, CompletedAt: tx.Now}, err
	})
}

// eventCourse names the course for an event.
func (lc *LearnerCourse) eventCourse() webhook.Course {
	return webhook.Course{ID: lc.ID, Slug: lc.Slug, Title: lc.Content.Title}
}

// settle completes the lesson when its activities are done, moves the
// course's percentage on (never back), and completes the course, with its
// record, certificate and any path it finishes, when every lesson that
// counts is complete.
func settle(ctx context.Context, tx *Tx, lc *LearnerCourse, lessonKey string) error {
	e := lc.Enrolment
	p, err := findProgress(ctx, tx, e.ID, e.Attempt)
	if err != nil {
		return err
	}
	l, err := lc.Content.Lesson(lessonKey)
	if err != nil {
		return err
	}
	if !p.LessonComplete(lessonKey) && learning.LessonDone(*l, p.BlockDone) {
		if _, err := completeLesson(ctx, tx, lc, l); err != nil {
			return err
		}
		p.Completed[lessonKey] = tx.Now
	}
	percent := learning.Percent(&lc.Content, p.LessonComplete)
	done := learning.CourseDone(&lc.Content, p.LessonComplete)
	var justCompleted bool
	if err := tx.QueryRow(ctx, `
		WITH before AS (SELECT status FROM enrolments WHERE tenant_id = current_tenant_id() AND id = $1)
		UPDATE enrolments SET percent = GREATEST(percent, $2), last_lesson_key = $3,
			last_access_at = $4, first_access_at = coalesce(first_access_at, $4),
			status = CASE WHEN $5 THEN 'completed' ELSE status END,
			completed_at = CASE WHEN $5 THEN coalesce(completed_at, $4) ELSE completed_at END
		WHERE tenant_id = current_tenant_id() AND id = $1
		RETURNING $5 AND (SELECT status FROM before) = 'active'`,
		e.ID, percent, lessonKey, tx.Now, done).Scan(&justCompleted); err != nil {
		return err
	}
	if !justCompleted {
		return nil
	}
	if err := record(ctx, tx, e.UserID, learning.VerbCompleted, "course", courseObject(lc.ID), lc.Content.Title,
		map[string]any{"completion": true}, map[string]any{"course_attempt": e.Attempt, "version": e.Version}); err != nil {
		return err
	}
	if err := emitEvent(ctx, tx, webhook.CourseCompleted, func() (any, error) {
		u, err := eventUser(ctx, tx, e.UserID)
		return webhook.CourseCompletedData{User: u, Course: lc.eventCourse(), EnrolmentID: e.ID, Attempt: e.Attempt,
			Version: e.Version, CompletedAt: tx.Now}, err
	}); err != nil {
		return err
	}
	if err := issueCertificate(ctx, tx, e.UserID, "course_id", lc.ID, lc.Content.Title); err != nil {
		return err
	}
	return completePaths(ctx, tx, e.UserID, lc.ID)
}

// completePaths completes the learner's paths that the course finishes:
// those with every step's course completed.
func completePaths(ctx context.Context, tx *Tx, userID, courseID int64) error {
	rows, err := tx.Query(ctx, `
		SELECT pe.id, p.id, p.title FROM path_enrolments pe
		JOIN paths p ON p.tenant_id = pe.tenant_id AND p.id = pe.path_id
		WHERE pe.tenant_id = current_tenant_id() AND pe.user_id = $1 AND pe.completed_at IS NULL
			AND EXISTS (SELECT 1 FROM path_steps s WHERE s.tenant_id = p.tenant_id AND s.path_id = p.id AND s.course_id = $2)
		ORDER BY pe.id
		FOR UPDATE OF pe`, userID, courseID)
	if err != nil {
		return err
	}
	type candidate struct {
		enrolmentID, pathID int64
		title               string
	}
	var cands []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.enrolmentID, &c.pathID, &c.title); err != nil {
			rows.Close()
			return err
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cands {
		if err := completePath(ctx, tx, userID, c.enrolmentID, c.pathID, c.title); err != nil {
			return err
		}
	}
	return nil
}

// completePath completes a learner's path enrolment when every step is
// complete (its course completed, or its live session attended), with its
// record and certificate.
func completePath(ctx context.Context, tx *Tx, userID, enrolmentID, pathID int64, title string) error {
	var complete bool
	if err := tx.QueryRow(ctx, `
		SELECT NOT EXISTS (
			SELECT 1 FROM path_steps s
			LEFT JOIN enrolments e ON e.tenant_id = s.tenant_id AND e.course_id = s.course_id AND e.user_id = $2
			LEFT JOIN live_session_registrations r ON r.tenant_id = s.tenant_id AND r.session_id = s.session_id AND r.user_id = $2
				AND r.attendance = 'present'
			WHERE s.tenant_id = current_tenant_id() AND s.path_id = $1 AND e.completed_at IS NULL AND r.session_id IS NULL)`,
		pathID, userID).Scan(&complete); err != nil || !complete {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE path_enrolments SET completed_at = $2 WHERE tenant_id = current_tenant_id() AND id = $1`, enrolmentID, tx.Now); err != nil {
		return err
	}
	if err := record(ctx, tx, userID, learning.VerbCompleted, "path", fmt.Sprintf("path/%d", pathID), title, map[string]any{"completion": true}, nil); err != nil {
		return err
	}
	if err := emitEvent(ctx, tx, webhook.PathCompleted, func() (any, error) {
		u, err := eventUser(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		p, err := eventPath(ctx, tx, pathID)
		return webhook.PathCompletedData{User: u, Path: *p, CompletedAt: tx.Now}, err
	}); err != nil {
		return err
	}
	return issueCertificate(ctx, tx, userID, "path_id", pathID, title)
}

// certificateAlphabet leaves out letters and digits easily mistaken for
// one another when a code is read aloud or typed.
const certificateAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newCertificateCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = certificateAlphabet[int(b[i])%len(certificateAlphabet)]
	}
	return string(b)
}

// issueCertificate issues the learner's certificate for a course or path
// (column says which), once: completing again keeps the first.
func issueCertificate(ctx context.Context, tx *Tx, userID int64, column string, id int64, title string) error {
	code := newCertificateCode()
	var certID int64
	err := tx.QueryRow(ctx, `
		INSERT INTO certificates (tenant_id, user_id, `+column+`, code, learner_name, title, issued_at)
		SELECT current_tenant_id(), u.id, $2, $3, u.name, $4, $5 FROM users u WHERE u.tenant_id = current_tenant_id() AND u.id = $1
		ON CONFLICT DO NOTHING
		RETURNING id`, userID, id, code, title, tx.Now).Scan(&certID)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // issued before
		}
		return err
	}
	if _, err = tx.Exec(ctx, `INSERT INTO certificate_codes (code, tenant_id, certificate_id) VALUES ($1, current_tenant_id(), $2)`, code, certID); err != nil {
		return err
	}
	return emitEvent(ctx, tx, webhook.CertificateIssued, func() (any, error) {
		d := webhook.CertificateIssuedData{Certificate: webhook.Certificate{ID: certID, Code: code, Title: title, IssuedAt: tx.Now}}
		var err error
		if d.User, err = eventUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		if column == "path_id" {
			d.Path, err = eventPath(ctx, tx, id)
		} else {
			d.Course, err = eventCourse(ctx, tx, id)
		}
		return d, err
	})
}
