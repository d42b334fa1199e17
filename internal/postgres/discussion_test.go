package postgres_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// discussionFixture is a published course with lee enrolled, plus the
// people each test names.
type discussionFixture struct {
	learningFixture
	talk   *postgres.DiscussionService
	notes  *postgres.NotificationService
	thread postgres.ThreadRef
	lee    postgres.Viewer
}

// discussant is someone of the portal besides lee, enrolled in the course
// or not. Their address is made from their name, as a mention names them:
// Kim Park is kim.park@acme.test.
type discussant struct {
	fixture.Person
	enrolled bool
}

// inCourse is a learner enrolled in the course.
func inCourse(name string) discussant { return discussant{discussantPerson(name), true} }

// outside is someone not enrolled, a learner unless roles say otherwise.
func outside(name string, roles ...user.Role) discussant {
	return discussant{discussantPerson(name, roles...), false}
}

func discussantPerson(name string, roles ...user.Role) fixture.Person {
	return fixture.Person{Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@acme.test", Name: name, Roles: roles}
}

func newDiscussionFixture(t *testing.T, people ...discussant) discussionFixture {
	t.Helper()
	spec := publishedSpec()
	spec.Progress = []fixture.Progress{{Who: "lee@acme.test", Course: example}}
	for _, d := range people {
		spec.People = append(spec.People, d.Person)
		if d.enrolled {
			spec.Progress = append(spec.Progress, fixture.Progress{Who: d.Email, Course: example})
		}
	}
	f := learningFixtureOf(t, spec)
	return discussionFixture{learningFixture: f, talk: postgres.NewDiscussionService(f.db), notes: postgres.NewNotificationService(f.db),
		thread: postgres.ThreadRef{CourseID: f.course.ID, Lesson: lessonOne}, lee: postgres.Viewer{UserID: f.learner}}
}

// person is the discussant of that name, a moderator if an administrator
// or an instructor.
func (f discussionFixture) person(t *testing.T, name string) postgres.Viewer {
	t.Helper()
	u := f.portal.Person(t, discussantPerson(name).Email)
	v := postgres.Viewer{UserID: u.ID}
	for _, r := range u.Roles {
		v.Moderator = v.Moderator || r == user.Admin || r == user.Instructor
	}
	return v
}

func (f discussionFixture) post(t *testing.T, v postgres.Viewer, parent int64, body string) int64 {
	t.Helper()
	place, err := f.talk.CreatePost(f.ctx, f.tenantID, v, f.thread, parent, body)
	if err != nil {
		t.Fatal(err)
	}
	return place.PostID
}

func (f discussionFixture) threadOf(t *testing.T, v postgres.Viewer) []postgres.Post {
	t.Helper()
	posts, err := f.talk.FindThread(f.ctx, f.tenantID, v, f.thread)
	if err != nil {
		t.Fatal(err)
	}
	return posts
}

func (f discussionFixture) notified(t *testing.T, v postgres.Viewer, kind notify.Kind) []postgres.Notification {
	t.Helper()
	all, _, err := f.notes.FindNotifications(f.ctx, f.tenantID, v.UserID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []postgres.Notification
	for _, n := range all {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func bodies(posts []postgres.Post) string {
	var b strings.Builder
	for _, p := range posts {
		b.WriteString(p.Body + "|")
		for _, r := range p.Replies {
			b.WriteString(r.Body + "|")
		}
	}
	return b.String()
}

func TestDiscussion_HiddenPostsReachModeratorsOnly(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t, inCourse("Kim Park"), outside("Ida Instructor", user.Instructor))
	kim, ida := f.person(t, "Kim Park"), f.person(t, "Ida Instructor")
	rude := f.post(t, kim, 0, "Something rude")
	f.post(t, f.lee, rude, "A reply under it")
	f.post(t, f.lee, 0, "Something kind")

	if _, err := f.talk.SetHidden(f.ctx, f.tenantID, f.lee, rude, true); apperr.Code(err) != apperr.EFORBIDDEN {
		t.Fatalf("a learner hides a post: %v", err)
	}
	if _, err := f.talk.SetHidden(f.ctx, f.tenantID, ida, rude, true); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]postgres.Viewer{"lee": f.lee, "its author": kim} {
		if got := bodies(f.threadOf(t, v)); strings.Contains(got, "rude") || strings.Contains(got, "under it") || !strings.Contains(got, "kind") {
			t.Errorf("%s sees %q", name, got)
		}
		if _, _, err := f.talk.FindPost(f.ctx, f.tenantID, v, rude); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("%s finds the hidden post: %v", name, err)
		}
		if _, err := f.talk.CreatePost(f.ctx, f.tenantID, v, f.thread, rude, "replying anyway"); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("%s replies to the hidden post: %v", name, err)
		}
	}
	mod := f.threadOf(t, ida)
	if len(mod) != 2 || !mod[1].Hidden || mod[1].Body != "Something rude" || len(mod[1].Replies) != 1 {
		t.Errorf("the moderator sees %+v", mod)
	}
	if _, err := f.talk.SetHidden(f.ctx, f.tenantID, ida, rude, false); err != nil {
		t.Fatal(err)
	}
	if got := bodies(f.threadOf(t, f.lee)); !strings.Contains(got, "rude") {
		t.Errorf("shown again, lee sees %q", got)
	}
}

func TestDiscussion_AMentionNotifiesOnlyPeopleInTheCourse(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t, inCourse("Priya Shah"), outside("Olu Outsider"), outside("Ida Instructor", user.Instructor), inCourse("Wes Withdrawn"))
	priya, outsider, ida, withdrawn := f.person(t, "Priya Shah"), f.person(t, "Olu Outsider"), f.person(t, "Ida Instructor"), f.person(t, "Wes Withdrawn")
	if err := f.learning.Unenrol(f.ctx, f.tenantID, withdrawn.UserID, f.course.ID); err != nil {
		t.Fatal(err)
	}
	first := f.post(t, f.lee, 0, "Ask @priya.shah, @olu.outsider, @wes.withdrawn, @ida.instructor and @nobody; and @lee.learner")
	for _, v := range []postgres.Viewer{outsider, withdrawn, f.lee} {
		if n := f.notified(t, v, notify.Mention); len(n) != 0 {
			t.Errorf("person %d is not in the course (or wrote it), yet was notified: %+v", v.UserID, n)
		}
	}
	for _, v := range []postgres.Viewer{priya, ida} {
		n := f.notified(t, v, notify.Mention)
		if len(n) != 1 || n[0].Title != "Lee Learner mentioned you in "+f.course.Draft.Title || !strings.HasSuffix(n[0].URL, "#post-"+itoa(first)) {
			t.Errorf("person %d: %+v", v.UserID, n)
		}
	}

	t.Run("AReplyNotifiesThePostsAuthor", func(t *testing.T) {
		f.post(t, priya, first, "Happy to help.")
		if n := f.notified(t, f.lee, notify.Reply); len(n) != 1 || !strings.Contains(n[0].Title, "Priya Shah replied") {
			t.Errorf("lee: %+v", n)
		}
		// A reply to a reply joins the first post, and tells its author.
		f.post(t, ida, first, "Me too, @priya.shah.")
		if n := f.notified(t, priya, notify.Mention); len(n) != 2 {
			t.Errorf("priya's mentions: %d", len(n))
		}
		if n := f.notified(t, f.lee, notify.Reply); len(n) != 2 {
			t.Errorf("lee's replies: %d", len(n))
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDiscussion_EditWithinFifteenMinutesAndDelete(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t, inCourse("Kim Park"))
	kim := f.person(t, "Kim Park")
	start := time.Now()
	f.db.Now = func() time.Time { return start }
	t.Cleanup(func() { f.db.Now = time.Now })
	id := f.post(t, f.lee, 0, "First thoughts")

	if _, err := f.talk.EditPost(f.ctx, f.tenantID, kim, id, "Not mine"); apperr.Code(err) != apperr.EFORBIDDEN {
		t.Errorf("another person edits: %v", err)
	}
	f.db.Now = func() time.Time { return start.Add(14 * time.Minute) }
	if _, err := f.talk.EditPost(f.ctx, f.tenantID, f.lee, id, "Second thoughts, @kim.park"); err != nil {
		t.Fatalf("within 15 minutes: %v", err)
	}
	if p := f.threadOf(t, f.lee)[0]; p.Body != "Second thoughts, @kim.park" || p.EditedAt == nil {
		t.Errorf("after the edit: %+v", p)
	}
	if n := f.notified(t, kim, notify.Mention); len(n) != 1 {
		t.Errorf("the edit's new mention: %d notifications", len(n))
	}
	f.db.Now = func() time.Time { return start.Add(16 * time.Minute) }
	if _, err := f.talk.EditPost(f.ctx, f.tenantID, f.lee, id, "Third thoughts"); apperr.Code(err) != apperr.EFORBIDDEN {
		t.Errorf("after 15 minutes: %v", err)
	}
	if p := f.threadOf(t, f.lee)[0]; p.Body != "Second thoughts, @kim.park" {
		t.Errorf("a refused edit changed the post: %q", p.Body)
	}

	t.Run("ADeletedPostWithRepliesShowsDeleted", func(t *testing.T) {
		f.post(t, kim, id, "A reply")
		if _, err := f.talk.DeletePost(f.ctx, f.tenantID, kim, id); apperr.Code(err) != apperr.EFORBIDDEN {
			t.Errorf("another person deletes: %v", err)
		}
		if _, err := f.talk.DeletePost(f.ctx, f.tenantID, f.lee, id); err != nil {
			t.Fatal(err)
		}
		posts := f.threadOf(t, f.lee)
		if len(posts) != 1 || !posts[0].Deleted || posts[0].Body != "" || len(posts[0].Replies) != 1 {
			t.Fatalf("after deleting: %+v", posts)
		}
		// Its last reply deleted, nothing is left.
		if _, err := f.talk.DeletePost(f.ctx, f.tenantID, kim, posts[0].Replies[0].ID); err != nil {
			t.Fatal(err)
		}
		if posts := f.threadOf(t, f.lee); len(posts) != 0 {
			t.Errorf("left: %+v", posts)
		}
	})
}

func TestDiscussion_HelpfulTogglesAndReportsOnceEach(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t, inCourse("Kim Park"), outside("Ada Admin", user.Admin), outside("Ida Instructor", user.Instructor))
	kim, ada, ida := f.person(t, "Kim Park"), f.person(t, "Ada Admin"), f.person(t, "Ida Instructor")
	id := f.post(t, kim, 0, "Try asking for the outcome first.")

	for range 3 {
		if _, err := f.talk.ToggleHelpful(f.ctx, f.tenantID, f.lee, id); err != nil {
			t.Fatal(err)
		}
	}
	if p := f.threadOf(t, f.lee)[0]; p.Helpful != 1 || !p.HelpfulByMe {
		t.Errorf("after three toggles: %d, %v", p.Helpful, p.HelpfulByMe)
	}
	if _, err := f.talk.ToggleHelpful(f.ctx, f.tenantID, kim, id); apperr.Code(err) != apperr.EFORBIDDEN {
		t.Errorf("one's own post: %v", err)
	}

	if _, err := f.talk.ReportPost(f.ctx, f.tenantID, f.lee, id, " "); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("no reason: %v", err)
	}
	if _, err := f.talk.ReportPost(f.ctx, f.tenantID, f.lee, id, "Off topic"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.talk.ReportPost(f.ctx, f.tenantID, f.lee, id, "Again"); apperr.Code(err) != apperr.ECONFLICT {
		t.Errorf("a second report: %v", err)
	}
	if n := f.notified(t, ada, notify.Moderation); len(n) != 1 || n[0].URL != "/admin/discussions" {
		t.Errorf("the admin: %+v", n)
	}
	if n := f.notified(t, ida, notify.Moderation); len(n) != 1 || !strings.Contains(n[0].URL, "#post-") {
		t.Errorf("the instructor: %+v", n)
	}
	queue, err := f.talk.FindReportedPosts(f.ctx, f.tenantID, 50)
	if err != nil || len(queue) != 1 || queue[0].Reports[0].Reason != "Off topic" || queue[0].Reports[0].ReporterName != "Lee Learner" {
		t.Fatalf("the queue: %+v %v", queue, err)
	}
	if _, err := f.talk.DismissReports(f.ctx, f.tenantID, ada, id); err != nil {
		t.Fatal(err)
	}
	if queue, _ := f.talk.FindReportedPosts(f.ctx, f.tenantID, 50); len(queue) != 0 {
		t.Errorf("after dismissing: %+v", queue)
	}
	if _, err := f.talk.DismissReports(f.ctx, f.tenantID, ada, id); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("dismissing twice: %v", err)
	}
}

func TestDiscussion_OnlyPeopleInTheCourseTakePart(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t, outside("Olu Outsider"))
	outsider := f.person(t, "Olu Outsider")
	id := f.post(t, f.lee, 0, "Hello")
	if _, err := f.talk.FindThread(f.ctx, f.tenantID, outsider, f.thread); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("an outsider reads: %v", err)
	}
	if _, err := f.talk.CreatePost(f.ctx, f.tenantID, outsider, f.thread, 0, "Hi"); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("an outsider posts: %v", err)
	}
	if _, err := f.talk.ToggleHelpful(f.ctx, f.tenantID, outsider, id); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("an outsider reacts: %v", err)
	}
}

func TestActivity_OptedOutLearnersAreAbsent(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t)
	lc := f.seen(t)
	if err := f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), "Noted.", false); err != nil {
		t.Fatal(err)
	}
	lc = f.seen(t)
	if _, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, blockOf(lc, lessonTwo, course.KindQuiz), 1, right); err != nil {
		t.Fatal(err)
	}
	feed := postgres.NewActivityService(f.db)
	items, err := feed.FindActivity(f.ctx, f.tenantID, 10)
	if err != nil || len(items) != 1 || items[0].PersonName != "Lee Learner" || items[0].Kind != "course" || items[0].Slug != f.course.Slug {
		t.Fatalf("the feed: %+v %v", items, err)
	}
	if err := feed.SetHidesActivity(f.ctx, f.tenantID, f.learner, true); err != nil {
		t.Fatal(err)
	}
	if items, _ := feed.FindActivity(f.ctx, f.tenantID, 10); len(items) != 0 {
		t.Errorf("after opting out: %+v", items)
	}
	if hides, _ := feed.HidesActivity(f.ctx, f.tenantID, f.learner); !hides {
		t.Error("the opt-out is not kept")
	}
}

func TestDiscussion_ErasingAPersonClearsWhatTheyWrote(t *testing.T) {
	t.Parallel()
	f := newDiscussionFixture(t, inCourse("Kim Park"))
	kim := f.person(t, "Kim Park")
	id := f.post(t, kim, 0, "Kim's private thoughts")
	f.post(t, f.lee, id, "A reply")
	if _, err := f.talk.ReportPost(f.ctx, f.tenantID, kim, f.post(t, f.lee, 0, "Lee's post"), "Kim's reason"); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewUserService(f.db, nil, nil).EraseUser(f.ctx, f.tenantID, kim.UserID, "kim.park@acme.test", postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := bodies(f.threadOf(t, f.lee)); strings.Contains(got, "Kim's") || !strings.Contains(got, "A reply") {
		t.Errorf("after erasing kim: %q", got)
	}
	if queue, _ := f.talk.FindReportedPosts(f.ctx, f.tenantID, 10); len(queue) != 0 {
		t.Errorf("kim's report stays: %+v", queue)
	}
}
