package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/discussion"
	"github.com/upward-lms/upward/internal/notify"
)

// Viewer is who reads or writes in a discussion: a person, and whether
// they moderate (access.ModerateDiscussions, decided by the handler).
type Viewer struct {
	UserID    int64
	Moderator bool
}

// ThreadRef names a thread: a course's own (Lesson "") or one of its
// lessons'.
type ThreadRef struct {
	CourseID int64
	Lesson   string
}

// Post is a post as its viewer sees it. A deleted post has no body; a
// hidden one reaches moderators only.
type Post struct {
	ID           int64
	ParentID     int64 // 0 for a post in the thread itself
	AuthorID     int64
	AuthorName   string
	Body         string // Markdown
	CreatedAt    time.Time
	EditedAt     *time.Time
	Deleted      bool
	Hidden       bool
	Pinned       bool
	Helpful      int
	HelpfulByMe  bool
	ReportedByMe bool
	OpenReports  int // reports awaiting a moderator (counted for moderators only)
	Replies      []Post
}

// PostPlace is where a post is: its course and thread.
type PostPlace struct {
	PostID     int64
	CourseID   int64
	CourseSlug string
	Lesson     string
}

// Path is the post's place on the portal.
func (p PostPlace) Path() string { return discussion.PostPath(p.CourseSlug, p.Lesson, p.PostID) }

// ThreadLimit is how many posts of a thread (with their replies) a page
// shows: the pinned ones, then the newest.
const ThreadLimit = 100

// DiscussionService keeps the discussions of courses and lessons: posts,
// replies, reactions, reports and their moderation.
type DiscussionService struct {
	db *DB
}

// NewDiscussionService returns the discussion store.
func NewDiscussionService(db *DB) *DiscussionService { return &DiscussionService{db: db} }

var errNoDiscussion = &apperr.Error{Code: apperr.ENOTFOUND, Message: "Discussion not found."}
var errNoPost = &apperr.Error{Code: apperr.ENOTFOUND, Message: "Post not found."}

// takesPart checks that the viewer may read and write in the course's
// discussions: enrolled in it (and not withdrawn), or a moderator.
func takesPart(ctx context.Context, tx *Tx, courseID int64, v Viewer) error {
	var ok bool
	err := tx.QueryRow(ctx, takesPartSQL, courseID, v.UserID, v.Moderator).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return errNoDiscussion
	}
	return nil
}

const takesPartSQL = `
	SELECT EXISTS (SELECT 1 FROM courses c WHERE c.tenant_id = current_tenant_id() AND c.id = $1 AND (
		$3 OR EXISTS (SELECT 1 FROM enrolments e WHERE e.tenant_id = c.tenant_id AND e.course_id = c.id
			AND e.user_id = $2 AND e.status <> 'withdrawn')))`

// FindThread reads a thread as the viewer sees it: pinned posts first,
// then the newest, each with its replies oldest first. Hidden posts (and
// the replies under them) are left out unless the viewer moderates.
func (s *DiscussionService) FindThread(ctx context.Context, tenantID int64, v Viewer, ref ThreadRef) ([]Post, error) {
	var out []Post
	var takes bool
	// One round trip, on every lesson page: the check and the thread in
	// one batch; the thread is dropped when the check fails.
	b := &pgx.Batch{}
	b.Queue(takesPartSQL, ref.CourseID, v.UserID, v.Moderator).QueryRow(func(row pgx.Row) error { return row.Scan(&takes) })
	b.Queue(`
			WITH top AS (
				SELECT p.id, row_number() OVER (ORDER BY p.pinned_at DESC NULLS LAST, p.id DESC) AS rank
				FROM discussion_posts p
				WHERE p.tenant_id = $1 AND p.course_id = $2 AND p.lesson_key = $3 AND p.parent_id IS NULL
					AND ($5 OR p.hidden_at IS NULL)
				ORDER BY rank LIMIT $6)
			SELECT p.id, coalesce(p.parent_id, 0), p.author_id, u.name, p.body, p.created_at, p.edited_at,
				p.deleted_at IS NOT NULL, p.hidden_at IS NOT NULL, p.pinned_at IS NOT NULL,
				(SELECT count(*) FROM discussion_reactions r WHERE r.tenant_id = p.tenant_id AND r.post_id = p.id),
				EXISTS (SELECT 1 FROM discussion_reactions r WHERE r.tenant_id = p.tenant_id AND r.post_id = p.id AND r.user_id = $4),
				EXISTS (SELECT 1 FROM discussion_reports x WHERE x.tenant_id = p.tenant_id AND x.post_id = p.id AND x.user_id = $4),
				CASE WHEN $5 THEN (SELECT count(*) FROM discussion_reports x
					WHERE x.tenant_id = p.tenant_id AND x.post_id = p.id AND x.resolved_at IS NULL) ELSE 0 END
			FROM top t
			JOIN discussion_posts p ON p.tenant_id = $1 AND (p.id = t.id OR p.parent_id = t.id)
			JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.author_id
			WHERE $5 OR p.hidden_at IS NULL
			ORDER BY t.rank, p.parent_id NULLS FIRST, p.id`,
		tenantID, ref.CourseID, ref.Lesson, v.UserID, v.Moderator, ThreadLimit).Query(func(rows pgx.Rows) error {
		var p Post
		_, err := pgx.ForEachRow(rows, []any{&p.ID, &p.ParentID, &p.AuthorID, &p.AuthorName, &p.Body, &p.CreatedAt, &p.EditedAt,
			&p.Deleted, &p.Hidden, &p.Pinned, &p.Helpful, &p.HelpfulByMe, &p.ReportedByMe, &p.OpenReports}, func() error {
			if p.ParentID == 0 {
				out = append(out, p)
			} else if n := len(out); n > 0 && out[n-1].ID == p.ParentID {
				out[n-1].Replies = append(out[n-1].Replies, p)
			}
			return nil
		})
		return err
	})
	err := s.db.ReadInTenant(ctx, tenantID, b)
	if err == nil && !takes {
		err = errNoDiscussion
	}
	if err != nil {
		return nil, fmt.Errorf("discussion: thread: %w", err)
	}
	return out, nil
}

// postRow is a post as the service's checks need it.
type postRow struct {
	PostPlace
	CourseTitle  string
	ParentID     int64
	AuthorID     int64
	AuthorName   string
	Body         string
	CreatedAt    time.Time
	Deleted      bool
	Hidden       bool // the post, or the post it replies to
	ParentAuthor int64
}

// loadPost reads and locks a post the viewer may see; another portal's, a
// course the viewer is not in, or a hidden post for a learner is not
// found.
func loadPost(ctx context.Context, tx *Tx, v Viewer, postID int64) (postRow, error) {
	var p postRow
	err := tx.QueryRow(ctx, `
		SELECT p.id, p.course_id, c.slug, c.title, p.lesson_key, coalesce(p.parent_id, 0), p.author_id, u.name, p.body,
			p.created_at, p.deleted_at IS NOT NULL, p.hidden_at IS NOT NULL OR coalesce(pp.hidden_at IS NOT NULL, false),
			coalesce(pp.author_id, 0)
		FROM discussion_posts p
		JOIN courses c ON c.tenant_id = p.tenant_id AND c.id = p.course_id
		JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.author_id
		LEFT JOIN discussion_posts pp ON pp.tenant_id = p.tenant_id AND pp.id = p.parent_id
		WHERE p.tenant_id = current_tenant_id() AND p.id = $1
		FOR UPDATE OF p`, postID).Scan(&p.PostID, &p.CourseID, &p.CourseSlug, &p.CourseTitle, &p.Lesson, &p.ParentID, &p.AuthorID,
		&p.AuthorName, &p.Body, &p.CreatedAt, &p.Deleted, &p.Hidden, &p.ParentAuthor)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errNoPost
	}
	if err != nil {
		return p, err
	}
	if err := takesPart(ctx, tx, p.CourseID, v); err != nil {
		return p, errNoPost
	}
	if p.Hidden && !v.Moderator {
		return p, errNoPost
	}
	return p, nil
}

// FindPost reads one post the viewer may see, with its place.
func (s *DiscussionService) FindPost(ctx context.Context, tenantID int64, v Viewer, postID int64) (Post, PostPlace, error) {
	var out Post
	var place PostPlace
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := loadPost(ctx, tx, v, postID)
		if err != nil {
			return err
		}
		if p.Deleted {
			return errNoPost
		}
		place = p.PostPlace
		out = Post{ID: p.PostID, ParentID: p.ParentID, AuthorID: p.AuthorID, AuthorName: p.AuthorName, Body: p.Body, CreatedAt: p.CreatedAt, Hidden: p.Hidden}
		return nil
	})
	if err != nil {
		return Post{}, PostPlace{}, fmt.Errorf("discussion: find post: %w", err)
	}
	return out, place, nil
}

// CreatePost posts in a thread, or replies to one of its posts (a reply
// to a reply joins the same post: one level of replies). Everyone in the
// course it @mentions is notified, and the author of the post it replies
// to; a mention of anyone else does nothing.
func (s *DiscussionService) CreatePost(ctx context.Context, tenantID int64, v Viewer, ref ThreadRef, parentID int64, body string) (PostPlace, error) {
	body, err := discussion.CheckBody(body)
	if err != nil {
		return PostPlace{}, err
	}
	var place PostPlace
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if err := takesPart(ctx, tx, ref.CourseID, v); err != nil {
			return err
		}
		var parentAuthor int64
		if parentID != 0 {
			parent, err := loadPost(ctx, tx, v, parentID)
			if err != nil {
				return err
			}
			if parent.CourseID != ref.CourseID || parent.Lesson != ref.Lesson || parent.Deleted {
				return errNoPost
			}
			if parent.ParentID != 0 {
				parentID, parentAuthor = parent.ParentID, parent.ParentAuthor
			} else {
				parentAuthor = parent.AuthorID
			}
		}
		var parent *int64
		if parentID != 0 {
			parent = &parentID
		}
		var title, author string
		err := tx.QueryRow(ctx, `
			INSERT INTO discussion_posts (tenant_id, course_id, lesson_key, parent_id, author_id, body, created_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6)
			RETURNING id, (SELECT slug FROM courses WHERE tenant_id = current_tenant_id() AND id = $1),
				(SELECT title FROM courses WHERE tenant_id = current_tenant_id() AND id = $1),
				(SELECT name FROM users WHERE tenant_id = current_tenant_id() AND id = $4)`,
			ref.CourseID, ref.Lesson, parent, v.UserID, body, tx.Now).Scan(&place.PostID, &place.CourseSlug, &title, &author)
		if err != nil {
			return err
		}
		place.CourseID, place.Lesson = ref.CourseID, ref.Lesson
		return notifyAboutPost(ctx, tx, place, title, author, v.UserID, discussion.Mentions(body), parentAuthor, body)
	})
	if err != nil {
		return PostPlace{}, fmt.Errorf("discussion: post: %w", Error(err, "Post"))
	}
	return place, nil
}

// notifyAboutPost notifies the people in the course whose handles a post
// mentions (Mention), and the author of the post it replies to (Reply,
// unless they are mentioned too), never the writer.
func notifyAboutPost(ctx context.Context, tx *Tx, place PostPlace, courseTitle, author string, writer int64, handles []string, replyTo int64, body string) error {
	var notes []notify.Note
	excerpt := discussion.Excerpt(body, 160)
	mentioned, err := participantsByHandle(ctx, tx, place.CourseID, handles)
	if err != nil {
		return err
	}
	for _, id := range mentioned {
		if id != writer {
			notes = append(notes, notify.Note{UserID: id, Kind: notify.Mention, Title: author + " mentioned you in " + courseTitle, Body: excerpt, URL: place.Path()})
		}
	}
	if replyTo != 0 && replyTo != writer && !slices.Contains(mentioned, replyTo) {
		var inCourse bool
		if err := tx.QueryRow(ctx, participantSQL+` AND u.id = $2)`, place.CourseID, replyTo).Scan(&inCourse); err != nil {
			return err
		}
		if inCourse {
			notes = append(notes, notify.Note{UserID: replyTo, Kind: notify.Reply, Title: author + " replied to your post in " + courseTitle, Body: excerpt, URL: place.Path()})
		}
	}
	return notifyPeople(ctx, tx, notes...)
}

// participantSQL is the people in course $1: active, and enrolled (not
// withdrawn) or moderating every course (admins and instructors).
const participantSQL = `SELECT EXISTS (SELECT 1 FROM users u
	WHERE u.tenant_id = current_tenant_id() AND u.status = 'active'
		AND (u.roles && ARRAY['admin', 'instructor'] OR EXISTS (SELECT 1 FROM enrolments e
			WHERE e.tenant_id = u.tenant_id AND e.course_id = $1 AND e.user_id = u.id AND e.status <> 'withdrawn'))`

// participantsByHandle finds the people in the course with these handles.
// The database narrows by each handle's first word; the handle itself is
// compared in Go, where it is defined (discussion.Handle).
func participantsByHandle(ctx context.Context, tx *Tx, courseID int64, handles []string) ([]int64, error) {
	if len(handles) == 0 {
		return nil, nil
	}
	patterns := make([]string, len(handles))
	for i, h := range handles {
		// Handles are letters, digits and dots only: nothing LIKE reads
		// as a wildcard.
		patterns[i] = "%" + strings.SplitN(h, ".", 2)[0] + "%"
	}
	rows, err := tx.Query(ctx, `
		SELECT u.id, u.name FROM users u
		WHERE u.tenant_id = current_tenant_id() AND u.status = 'active' AND lower(u.name) LIKE ANY($2)
			AND (u.roles && ARRAY['admin', 'instructor'] OR EXISTS (SELECT 1 FROM enrolments e
				WHERE e.tenant_id = u.tenant_id AND e.course_id = $1 AND e.user_id = u.id AND e.status <> 'withdrawn'))
		ORDER BY u.id`, courseID, patterns)
	if err != nil {
		return nil, err
	}
	var out []int64
	var id int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		if slices.Contains(handles, discussion.Handle(name)) {
			out = append(out, id)
		}
		return nil
	})
	return out, err
}

// EditPost changes the viewer's own post, within discussion.EditWindow of
// posting; the post then shows it was edited. People the new text
// mentions for the first time are notified.
func (s *DiscussionService) EditPost(ctx context.Context, tenantID int64, v Viewer, postID int64, body string) (PostPlace, error) {
	var place PostPlace
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// The post first: another portal's is not found, whatever the text.
		p, err := loadPost(ctx, tx, v, postID)
		if err != nil {
			return err
		}
		if p.Deleted {
			return errNoPost
		}
		if p.AuthorID != v.UserID {
			return apperr.Errorf(apperr.EFORBIDDEN, "Only its author may change a post.")
		}
		if !discussion.MayEdit(p.CreatedAt, tx.Now) {
			return apperr.Errorf(apperr.EFORBIDDEN, "A post can be changed for 15 minutes after it is posted; this one can no longer be.")
		}
		// The text last: someone who may not edit the post is refused
		// whatever they send, and is never shown its edit form.
		if body, err = discussion.CheckBody(body); err != nil {
			return err
		}
		place = p.PostPlace
		if body == p.Body {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE discussion_posts SET body = $2, edited_at = $3 WHERE tenant_id = current_tenant_id() AND id = $1`,
			postID, body, tx.Now); err != nil {
			return err
		}
		return notifyAboutPost(ctx, tx, place, p.CourseTitle, p.AuthorName, v.UserID, discussion.NewMentions(p.Body, body), 0, body)
	})
	if err != nil {
		return PostPlace{}, fmt.Errorf("discussion: edit: %w", err)
	}
	return place, nil
}

// DeletePost deletes the viewer's own post. A post with replies stays, as
// "deleted", without its text, so the replies keep their place; a deleted
// post whose last reply goes goes with it.
func (s *DiscussionService) DeletePost(ctx context.Context, tenantID int64, v Viewer, postID int64) (PostPlace, error) {
	var place PostPlace
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := loadPost(ctx, tx, v, postID)
		if err != nil {
			return err
		}
		if p.Deleted {
			return errNoPost
		}
		if p.AuthorID != v.UserID {
			return apperr.Errorf(apperr.EFORBIDDEN, "Only its author may delete a post.")
		}
		place = p.PostPlace
		_, err = tx.Exec(ctx, `
			WITH kept AS (
				UPDATE discussion_posts SET body = '', deleted_at = $2, pinned_at = NULL
				WHERE tenant_id = current_tenant_id() AND id = $1
					AND EXISTS (SELECT 1 FROM discussion_posts r WHERE r.tenant_id = current_tenant_id() AND r.parent_id = $1)
				RETURNING id)
			DELETE FROM discussion_posts WHERE tenant_id = current_tenant_id() AND id = $1 AND NOT EXISTS (SELECT 1 FROM kept)`,
			postID, tx.Now)
		if err != nil {
			return err
		}
		if p.ParentID != 0 {
			_, err = tx.Exec(ctx, `
				DELETE FROM discussion_posts p WHERE p.tenant_id = current_tenant_id() AND p.id = $1 AND p.deleted_at IS NOT NULL
					AND NOT EXISTS (SELECT 1 FROM discussion_posts r WHERE r.tenant_id = p.tenant_id AND r.parent_id = p.id)`, p.ParentID)
		}
		return err
	})
	if err != nil {
		return PostPlace{}, fmt.Errorf("discussion: delete: %w", err)
	}
	return place, nil
}

// ToggleHelpful marks a post helpful for the viewer, or takes the mark
// back: one mark per person and post, never on one's own.
func (s *DiscussionService) ToggleHelpful(ctx context.Context, tenantID int64, v Viewer, postID int64) (PostPlace, error) {
	var place PostPlace
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := loadPost(ctx, tx, v, postID)
		if err != nil {
			return err
		}
		if p.Deleted {
			return errNoPost
		}
		if p.AuthorID == v.UserID {
			return apperr.Errorf(apperr.EFORBIDDEN, "You cannot mark your own post helpful.")
		}
		place = p.PostPlace
		tag, err := tx.Exec(ctx, `
			INSERT INTO discussion_reactions (tenant_id, post_id, user_id, created_at) VALUES (current_tenant_id(), $1, $2, $3)
			ON CONFLICT DO NOTHING`, postID, v.UserID, tx.Now)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM discussion_reactions WHERE tenant_id = current_tenant_id() AND post_id = $1 AND user_id = $2`, postID, v.UserID)
		return err
	})
	if err != nil {
		return PostPlace{}, fmt.Errorf("discussion: helpful: %w", err)
	}
	return place, nil
}

// ReportPost reports a post to the moderators, once per person, with a
// reason. The portal's administrators are notified with a link to the
// queue, its instructors with a link to the post.
//
// A repeated report is a conflict; its place is returned with it, so the
// reporter can be taken back to the post.
func (s *DiscussionService) ReportPost(ctx context.Context, tenantID int64, v Viewer, postID int64, reason string) (PostPlace, error) {
	var place PostPlace
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := loadPost(ctx, tx, v, postID)
		if err != nil {
			return err
		}
		if p.Deleted {
			return errNoPost
		}
		if reason, err = discussion.CheckReason(reason); err != nil {
			return err
		}
		if p.AuthorID == v.UserID {
			return apperr.Errorf(apperr.EFORBIDDEN, "You cannot report your own post; delete it instead.")
		}
		place = p.PostPlace
		tag, err := tx.Exec(ctx, `
			INSERT INTO discussion_reports (tenant_id, post_id, user_id, reason, created_at) VALUES (current_tenant_id(), $1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, postID, v.UserID, reason, tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.Errorf(apperr.ECONFLICT, "You have reported this post already; a moderator will look at it.")
		}
		rows, err := tx.Query(ctx, `
			SELECT id, 'admin' = ANY(roles) FROM users
			WHERE tenant_id = current_tenant_id() AND status = 'active' AND roles && ARRAY['admin', 'instructor']
				AND id <> $1 AND id <> $2`, v.UserID, p.AuthorID)
		if err != nil {
			return err
		}
		var notes []notify.Note
		var id int64
		var admin bool
		if _, err := pgx.ForEachRow(rows, []any{&id, &admin}, func() error {
			n := notify.Note{UserID: id, Kind: notify.Moderation, Title: "A post in " + p.CourseTitle + " was reported",
				Body: "Reason: " + reason, URL: place.Path()}
			if admin {
				n.URL = "/admin/discussions"
			}
			notes = append(notes, n)
			return nil
		}); err != nil {
			return err
		}
		return notifyPeople(ctx, tx, notes...)
	})
	if apperr.Code(err) == apperr.ECONFLICT {
		return place, err
	}
	if err != nil {
		return PostPlace{}, fmt.Errorf("discussion: report: %w", err)
	}
	return place, nil
}

var errNotModerator = apperr.Errorf(apperr.EFORBIDDEN, "Only instructors and administrators moderate discussions.")

// SetPinned pins a post of the thread itself to its top, or unpins it.
func (s *DiscussionService) SetPinned(ctx context.Context, tenantID int64, v Viewer, postID int64, pinned bool) (PostPlace, error) {
	return s.moderate(ctx, tenantID, v, postID, func(tx *Tx, p postRow) error {
		if p.ParentID != 0 {
			return apperr.Errorf(apperr.EINVALID, "Replies cannot be pinned; pin the post they answer.")
		}
		_, err := tx.Exec(ctx, `UPDATE discussion_posts SET pinned_at = CASE WHEN $2 THEN coalesce(pinned_at, $3) END
			WHERE tenant_id = current_tenant_id() AND id = $1`, postID, pinned, tx.Now)
		return err
	})
}

// SetHidden hides a post (and the replies under it) from learners, or
// shows it again. Hiding settles the post's open reports.
func (s *DiscussionService) SetHidden(ctx context.Context, tenantID int64, v Viewer, postID int64, hidden bool) (PostPlace, error) {
	return s.moderate(ctx, tenantID, v, postID, func(tx *Tx, p postRow) error {
		if _, err := tx.Exec(ctx, `UPDATE discussion_posts SET hidden_at = CASE WHEN $2 THEN coalesce(hidden_at, $3) END
			WHERE tenant_id = current_tenant_id() AND id = $1`, postID, hidden, tx.Now); err != nil {
			return err
		}
		if !hidden {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE discussion_reports SET resolved_at = $2, outcome = 'hidden'
			WHERE tenant_id = current_tenant_id() AND post_id = $1 AND resolved_at IS NULL`, postID, tx.Now)
		return err
	})
}

// DismissReports settles a post's open reports without hiding it.
func (s *DiscussionService) DismissReports(ctx context.Context, tenantID int64, v Viewer, postID int64) (PostPlace, error) {
	return s.moderate(ctx, tenantID, v, postID, func(tx *Tx, p postRow) error {
		tag, err := tx.Exec(ctx, `UPDATE discussion_reports SET resolved_at = $2, outcome = 'dismissed'
			WHERE tenant_id = current_tenant_id() AND post_id = $1 AND resolved_at IS NULL`, postID, tx.Now)
		if err == nil && tag.RowsAffected() == 0 {
			return apperr.Errorf(apperr.ENOTFOUND, "This post has no open reports.")
		}
		return err
	})
}

func (s *DiscussionService) moderate(ctx context.Context, tenantID int64, v Viewer, postID int64, change func(*Tx, postRow) error) (PostPlace, error) {
	var place PostPlace
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := loadPost(ctx, tx, v, postID)
		if err != nil {
			return err
		}
		if !v.Moderator {
			return errNotModerator
		}
		if p.Deleted {
			return errNoPost
		}
		place = p.PostPlace
		return change(tx, p)
	})
	if err != nil {
		return PostPlace{}, fmt.Errorf("discussion: moderate: %w", err)
	}
	return place, nil
}

// Report is one person's report of a post.
type Report struct {
	ReporterName string
	Reason       string
	At           time.Time
}

// ReportedPost is a post in the moderation queue, with its open reports.
type ReportedPost struct {
	Post
	Place       PostPlace
	CourseTitle string
	Reports     []Report
}

// FindReportedPosts lists the posts with open reports, the most recently
// reported first, up to limit.
func (s *DiscussionService) FindReportedPosts(ctx context.Context, tenantID int64, limit int) ([]ReportedPost, error) {
	var out []ReportedPost
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT p.id, coalesce(p.parent_id, 0), p.author_id, u.name, p.body, p.created_at, p.edited_at, p.hidden_at IS NOT NULL,
				p.course_id, c.slug, c.title, p.lesson_key,
				array_agg(ru.name ORDER BY r.created_at), array_agg(r.reason ORDER BY r.created_at), array_agg(r.created_at ORDER BY r.created_at)
			FROM discussion_reports r
			JOIN discussion_posts p ON p.tenant_id = r.tenant_id AND p.id = r.post_id AND p.deleted_at IS NULL
			JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.author_id
			JOIN users ru ON ru.tenant_id = r.tenant_id AND ru.id = r.user_id
			JOIN courses c ON c.tenant_id = p.tenant_id AND c.id = p.course_id
			WHERE r.tenant_id = $1 AND r.resolved_at IS NULL
			GROUP BY p.tenant_id, p.id, u.name, c.slug, c.title
			ORDER BY max(r.created_at) DESC, p.id DESC
			LIMIT $2`, tenantID, limit)
		if err != nil {
			return err
		}
		var rp ReportedPost
		var names, reasons []string
		var ats []time.Time
		_, err = pgx.ForEachRow(rows, []any{&rp.ID, &rp.ParentID, &rp.AuthorID, &rp.AuthorName, &rp.Body, &rp.CreatedAt, &rp.EditedAt, &rp.Hidden,
			&rp.Place.CourseID, &rp.Place.CourseSlug, &rp.CourseTitle, &rp.Place.Lesson, &names, &reasons, &ats}, func() error {
			rp.Place.PostID = rp.ID
			rp.Reports = nil
			for i := range names {
				rp.Reports = append(rp.Reports, Report{ReporterName: names[i], Reason: reasons[i], At: ats[i]})
			}
			out = append(out, rp)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("discussion: reported posts: %w", err)
	}
	return out, nil
}
