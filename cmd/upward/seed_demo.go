package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/discussion"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// The lived-in demo: the demo portal's people, teams and the last ninety
// days of their learning, so that every report, chart and team page has
// something to show on a fresh database.
//
// The history is replayed through the services the product itself uses,
// on a pool whose clock (postgres.DB.Now, which every transaction reads
// once) is set to the moment of each step: an enrolment made "40 days
// ago" is made by the enrolment service with tx.Now 40 days ago, so its
// learning records, completions, certificates, notifications and audit
// entries carry that date, exactly as the product would have written
// them then. No row is written by hand.
//
// It is deterministic (a fixed random seed; the dates follow today) and
// made once: its people are its mark, and a portal that has them is left
// alone.

// demoGroups are the portal's teams; each one's first person is its
// manager, to whom the others report, and who learns too.
var demoGroups = []struct {
	name   string
	people []string // "Name <local part>"
}{
	{"Sales", []string{
		"Priya Raman <priya.raman>", "Tom Becker <tom.becker>", "Aisha Khan <aisha.khan>", "Lucas Moreau <lucas.moreau>",
		"Grace Whitfield <grace.whitfield>", "Mateo Alvarez <mateo.alvarez>", "Hannah Cole <hannah.cole>",
		"Kwame Asante <kwame.asante>", "Olivia Brennan <olivia.brennan>", "Isabel Costa <isabel.costa>",
	}},
	{"Operations", []string{
		"Marcus Okafor <marcus.okafor>", "Lena Learner <learner>", "Sven Johansson <sven.johansson>", "Fatima Zahra <fatima.zahra>",
		"Ryan O'Neill <ryan.oneill>", "Mei Chen <mei.chen>", "Diego Santos <diego.santos>", "Chloe Dubois <chloe.dubois>",
		"Ibrahim Yusuf <ibrahim.yusuf>", "Noah Fischer <noah.fischer>",
	}},
	{"Engineering", []string{
		"Sofia Lindqvist <sofia.lindqvist>", "Arjun Mehta <arjun.mehta>", "Emma Novak <emma.novak>", "Jonas Weber <jonas.weber>",
		"Yuki Tanaka <yuki.tanaka>", "Ben Carter <ben.carter>", "Amara Nwosu <amara.nwosu>", "Leo Rossi <leo.rossi>",
		"Nadia Petrova <nadia.petrova>", "Sam Gallagher <sam.gallagher>",
	}},
	{"People & Culture", []string{
		"Daniel Mensah <daniel.mensah>", "Dana Admin <admin>", "Ian Instructor <instructor>", "Rosa Jiménez <rosa.jimenez>",
		"Ethan Park <ethan.park>", "Zoe Harper <zoe.harper>", "Tariq Haddad <tariq.haddad>", "Julia Kowalski <julia.kowalski>",
		"Liam Murphy <liam.murphy>", "Ava Thompson <ava.thompson>",
	}},
}

// demoAssignment is a course given to a team, to the managers or to
// learner@demo.test, at days before today, due days before today (a
// negative due is ahead).
type demoAssignment struct {
	group, course     string
	at, due           int
	managers, learner bool
}

// demoAssignments are what the administrator gave: two are overdue for
// those who have not finished, three are due within a few weeks.
var demoAssignments = []demoAssignment{
	{group: "Sales", course: "managing-up-foundations", at: 75, due: 15},
	{group: "Operations", course: "no-surprises", at: 50, due: 5},
	{group: "People & Culture", course: "aligning-with-priorities", at: 40, due: -12},
	{group: "Engineering", course: "communicating-up", at: 30, due: -5},
	{managers: true, course: "coaching-others-to-manage-up", at: 60, due: -20},
	{learner: true, course: "communicating-up", at: 10, due: -4},
}

// demoReflections are learners' answers to the reflections, course by
// course: each fits the questions its course asks.
var demoReflections = map[string][]string{
	"aligning-with-priorities": {
		"I think her top goal is cutting onboarding time; I'm only guessing at her boss's. I'll ask at our next one-to-one rather than assume.",
		"Two requests clashed last month and I tried to do both. Next time I'll ask my manager which one comes first, and say what slips.",
		"Most of my week goes on reports nobody has asked about in months. I'll check whether they still serve anything she cares about.",
	},
	"coaching-others-to-manage-up": {
		"My team rarely brings me bad news early. I suspect my reaction last spring taught them not to; I'll thank the next person who does.",
		"I set the agenda for all my one-to-ones. From next week each person brings the first item.",
		"My own manager doesn't know how stretched the team is. I'll show her our load in one table before the planning meeting.",
	},
	"communicating-up": {
		"My last update buried the point in the fourth paragraph. I'll put the decision I need in the first line from now on.",
		"My manager answers chat within minutes but leaves e-mail for days. Anything time-critical goes by chat now.",
		"I walked out of our last one-to-one without the sign-off I needed. I'll send my agenda the day before, the decision at the top.",
	},
	"feedback-conflict-difficult-bosses": {
		"I'll ask him one specific question about the proposal I sent: what would have made it easier to say yes?",
		"When she raised the missed deadline I heard criticism and little else. She was under pressure from the board that week.",
		"I disagreed with the re-org but never said so. We both want fewer hand-offs; I'll start from there.",
	},
	"managing-up-foundations": {
		"I assumed my manager wanted detail; when I asked, she said she wants the decision first and the detail only if she asks.",
		"I want to understand the pressures my manager is under from above; I'll ask what a good quarter looks like for him.",
		"I've been waiting for him to set up a career conversation. I'll book it myself this week with three questions ready.",
		"I'd ask what success in my role looks like, how he wants bad news, and how often to update him; and I'd tell him I plan best in the mornings.",
	},
	"no-surprises": {
		"My last estimate assumed the supplier would deliver on time, and I never said so. Next time the assumptions go in the same message.",
		"I'm quietly hoping the data migration sorts itself out. A four-line risk note would say: two weeks late unless we drop the archive.",
		"I over-promise to please people. I'll give realistic dates and say early when something is slipping.",
	},
	"trust-and-credibility": {
		"My last mistake took two days to reach my manager, and not from me. Next time I'll tell her the same day, with the fix.",
		"I could draft the monthly budget summary for him; his heavy week is the first of the month.",
		"I'd like to own supplier calls. I'd propose a weekly two-line summary so he never has to ask.",
	},
	"visibility-and-partnership": {
		"I've been taking credit for team wins in my updates without naming people. I'll name who did what from now on.",
		"She would describe last month as 'busy'. She would leave out the churn analysis, which is the part that mattered.",
		"If she left, my promotion plan would exist only in her head. I'll write it up and send it to her to check.",
	},
}

// demoThreads are the discussions of a few lessons: a post and its
// replies. {author} in a reply mentions the post's author.
var demoThreads = []struct {
	course  string
	lesson  int // index among the course's lessons
	post    string
	replies []demoReply
}{
	{"managing-up-foundations", 8,
		"I held the first conversation with my manager last week. Asking how she wants to hear bad news was the most useful question by far: a call, not an e-mail. Did anyone else get a surprising answer?",
		[]demoReply{
			{text: "Mine said he only wants a message for anything urgent and a weekly summary for the rest. I'd been booking meetings for everything."},
			{text: "I haven't dared ask yet. Did you frame it as a review of how you work together, or just ask in a one-to-one?"},
			{text: "@{author} thanks for sharing this. Sending the written summary afterwards is the part most people skip, and it is what makes the agreements stick.", instructor: true},
		}},
	{"communicating-up", 5,
		"Week three of the five-line update. My manager replied with 'perfect, keep these coming', and our one-to-ones are now about decisions instead of status.",
		[]demoReply{
			{text: "Same here. I put the one decision I need at the top in bold; it gets answered the same day now."},
			{text: "How do you keep it to five lines when a lot happened? Mine keep growing."},
			{text: "Try one line per outcome, not per task, and link to the detail. @{author}'s point about decisions is the real win.", instructor: true},
		}},
	{"no-surprises", 4,
		"Had to tell my manager a shipment would be two weeks late. I went in with two options and a recommendation, as the lesson suggests, and it became a planning conversation rather than a blame one.",
		[]demoReply{
			{text: "Good to hear. I still find it hard to do it the same day rather than waiting until I've fixed it."},
			{text: "We now have a rule on our team: bad news travels first, before the fix. It has made Mondays much calmer."},
		}},
}

// demoReply is a reply in a thread, by a learner or by the instructor.
type demoReply struct {
	text       string
	instructor bool
}

// seedLivedIn makes the demo portal's people and their history, once.
// It returns the e-mail address of the manager of learner@demo.test, for
// the printed sign-ins.
func seedLivedIn(ctx context.Context, db *postgres.DB, demo tenant.Tenant, hash string, stdout io.Writer) (string, error) {
	managerOfLearner := demoEmail(demoGroups[1].people[0])
	users := postgres.NewUserService(db, nil, nil)
	existing, err := users.FindUsers(ctx, demo.ID, 1000)
	if err != nil {
		return "", err
	}
	if slices.ContainsFunc(existing, func(u user.User) bool { return u.Email == managerOfLearner }) {
		return managerOfLearner, nil // made before
	}
	// A pool of its own, whose clock the story moves, and whose commits do
	// not wait for the disk: the data is made up, and an interrupted seed
	// is started again on a fresh database.
	hist, err := postgres.Open(ctx, db.Pool.Config().ConnString(), 2, func(c *pgxpool.Config) {
		c.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	})
	if err != nil {
		return "", err
	}
	defer hist.Close()
	start := time.Now()
	s := newDemoStory(hist, demo, hash)
	if err := s.tell(ctx); err != nil {
		return "", fmt.Errorf("seed the demo portal's history: %w", err)
	}
	fmt.Fprintf(stdout, "demo history: %d people in %d teams, %d enrolments, %d courses completed, %d quiz attempts, %d posts, %d live sessions (%s)\n",
		len(s.people), len(demoGroups), s.counts.enrolments, s.counts.completions, s.counts.quizzes, s.counts.posts, s.counts.sessions,
		time.Since(start).Round(10*time.Millisecond))
	return managerOfLearner, nil
}

// demoEmail is the address of "Name <local part>".
func demoEmail(person string) string {
	_, local, _ := strings.Cut(person, "<")
	return strings.TrimSuffix(local, ">") + "@demo.test"
}

func demoName(person string) string {
	name, _, _ := strings.Cut(person, " <")
	return name
}

// demoPerson is one of the story's people.
type demoPerson struct {
	user.User
	group   string
	manager bool
	drive   float64 // from 0 (busy elsewhere) to 1 (keen)
}

// visit is someone's completion of a lesson, for the discussions.
type visit struct {
	who int // index in people
	at  time.Time
}

type demoStory struct {
	db       *postgres.DB
	now      time.Time // the real now: the story stops before it
	clock    time.Time // the services' now
	demo     tenant.Tenant
	hash     string
	rng      *rand.Rand
	by       postgres.AuditActor
	users    *postgres.UserService
	learn    *postgres.LearningService
	people   []demoPerson
	byEmail  map[string]int
	courses  map[string]int64     // slug -> id
	groups   map[string]int64     // name -> id
	assigned map[string]time.Time // assignmentKey -> when
	enrolled map[string][]visit   // slug -> who enrolled, when
	visits   map[string][]visit   // slug/lesson key -> who completed it, when
	counts   struct{ enrolments, completions, quizzes, posts, sessions int }
	learnerI int // learner@demo.test
}

func newDemoStory(db *postgres.DB, demo tenant.Tenant, hash string) *demoStory {
	s := &demoStory{db: db, now: time.Now(), demo: demo, hash: hash, rng: rand.New(rand.NewPCG(2024, 21)),
		by: postgres.AuditActor{Label: "seed"}, users: postgres.NewUserService(db, nil, nil), learn: postgres.NewLearningService(db),
		byEmail: map[string]int{}, courses: map[string]int64{}, groups: map[string]int64{}, assigned: map[string]time.Time{},
		enrolled: map[string][]visit{}, visits: map[string][]visit{}}
	db.Now = func() time.Time { return s.clock }
	return s
}

// daysAgo is a moment days before today at hour (UTC) and minute.
func (s *demoStory) daysAgo(days float64, hour, minute int) time.Time {
	today := s.now.UTC().Truncate(24 * time.Hour)
	return today.Add(-time.Duration(days*24) * time.Hour).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// at sets the services' clock; false when the moment has not come yet.
func (s *demoStory) at(t time.Time) bool {
	if !t.Before(s.now.Add(-10 * time.Minute)) {
		return false
	}
	s.clock = t
	return true
}

func (s *demoStory) tell(ctx context.Context) error {
	for _, step := range []func(context.Context) error{s.hire, s.catalog, s.assign, s.learnAll, s.discuss, s.schedule, s.read} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// hire makes the people, their managers and their teams, 95 days ago.
func (s *demoStory) hire(ctx context.Context) error {
	s.at(s.daysAgo(95, 9, 0))
	for _, g := range demoGroups {
		var managerID int64
		for i, p := range g.people {
			email := demoEmail(p)
			roles := []user.Role{user.Learner}
			switch email {
			case "admin@demo.test":
				roles = []user.Role{user.Admin, user.Learner}
			case "instructor@demo.test":
				roles = []user.Role{user.Instructor, user.Learner}
			}
			s.clock = s.clock.Add(3 * time.Minute)
			u, err := s.users.EnsureUser(ctx, s.demo, postgres.NewUser{Email: email, Name: demoName(p), PasswordHash: s.hash, Roles: roles}, s.by)
			if err != nil {
				return fmt.Errorf("%s: %w", email, err)
			}
			if i == 0 {
				managerID = u.ID
			} else if u, err = s.users.UpdateUser(ctx, s.demo.ID, u.ID, postgres.UserUpdate{Name: u.Name, Roles: u.Roles, ManagerID: &managerID, Status: u.Status}, s.by); err != nil {
				return fmt.Errorf("manager of %s: %w", email, err)
			}
			if email == "learner@demo.test" {
				s.learnerI = len(s.people)
			}
			s.byEmail[email] = len(s.people)
			s.people = append(s.people, demoPerson{User: u, group: g.name, manager: i == 0, drive: 0.15 + 0.85*s.rng.Float64()})
		}
	}
	s.at(s.daysAgo(94, 10, 0))
	groups := postgres.NewGroupService(s.db)
	for _, g := range demoGroups {
		grp, err := groups.CreateGroup(ctx, s.demo.ID, g.name, "department", s.by)
		if err != nil {
			return fmt.Errorf("group %s: %w", g.name, err)
		}
		for _, p := range g.people {
			if err := groups.AddGroupMember(ctx, s.demo.ID, grp.ID, s.people[s.byEmail[demoEmail(p)]].ID, s.by); err != nil {
				return err
			}
		}
		s.groups[g.name] = grp.ID
	}
	return nil
}

// catalog finds the library's courses in the portal.
func (s *demoStory) catalog(ctx context.Context) error {
	entries, err := s.learn.FindCatalog(ctx, s.demo.ID, 0, postgres.CatalogQuery{})
	if err != nil {
		return err
	}
	for _, e := range entries {
		s.courses[e.Slug] = e.ID
	}
	for _, a := range demoAssignments {
		if s.courses[a.course] == 0 {
			return fmt.Errorf("the course %s is not in the demo catalog", a.course)
		}
	}
	return nil
}

// enrolment is a person's planned time in a course.
type enrolment struct {
	slug     string
	from     time.Time // when they start (or enrol, when self-enrolled)
	assigned bool
	lessons  int     // how many lessons they get through; -1: all
	gap      float64 // days between lessons, on average
	share    float64 // the chance they share an answer or two with their manager
}

// assign gives the teams their courses, as an administrator did.
func (s *demoStory) assign(ctx context.Context) error {
	var managers []int64
	for _, p := range s.people {
		if p.manager {
			managers = append(managers, p.ID)
		}
	}
	for _, a := range demoAssignments {
		s.at(s.daysAgo(float64(a.at), 10, 30))
		due := s.daysAgo(float64(a.due), 17, 0)
		in := postgres.Assignment{CourseID: s.courses[a.course], DueAt: &due}
		switch {
		case a.group != "":
			in.GroupID = s.groups[a.group]
		case a.managers:
			in.UserIDs = managers
		case a.learner:
			in.UserIDs = []int64{s.people[s.learnerI].ID}
		}
		n, err := s.learn.Assign(ctx, s.demo.ID, in, s.by)
		if err != nil {
			return fmt.Errorf("assign %s: %w", a.course, err)
		}
		s.counts.enrolments += n
		for _, id := range in.UserIDs {
			s.assigned[assignmentKey(id, a.course)] = s.clock
		}
		if in.GroupID != 0 {
			for pi, p := range s.people {
				if p.group == a.group {
					s.assigned[assignmentKey(s.people[pi].ID, a.course)] = s.clock
				}
			}
		}
	}
	return nil
}

func assignmentKey(userID int64, slug string) string { return fmt.Sprintf("%d/%s", userID, slug) }

// plans are a person's courses: what they were given and what they chose.
func (s *demoStory) plans(pi int) []enrolment {
	p := s.people[pi]
	share := 0.0
	if p.ManagerID != nil {
		share = 0.35
	}
	if pi == s.learnerI {
		// Scripted: one course complete (with a certificate and an answer
		// shared with her manager), one overdue half-way, one due soon.
		return []enrolment{
			{slug: "managing-up-foundations", from: s.daysAgo(62, 9, 15), lessons: -1, gap: 1.2, share: 1},
			{slug: "no-surprises", from: s.daysAgo(46, 14, 0), assigned: true, lessons: 4, gap: 3, share: 1},
			{slug: "communicating-up", from: s.daysAgo(8, 11, 0), assigned: true, lessons: 2, gap: 2, share: 0},
		}
	}
	var out []enrolment
	taken := map[string]bool{}
	slugs := slices.Sorted(maps.Keys(s.courses))
	for _, slug := range slugs {
		when, ok := s.assigned[assignmentKey(p.ID, slug)]
		if !ok {
			continue
		}
		taken[slug] = true
		e := enrolment{slug: slug, assigned: true, from: when.Add(time.Duration(s.rng.Float64()*8*24) * time.Hour), share: share}
		s.outcome(&e, p.drive)
		out = append(out, e)
	}
	for range 3 {
		if s.rng.Float64() > p.drive*0.8 {
			continue
		}
		slug := slugs[s.rng.IntN(len(slugs))]
		if taken[slug] {
			continue
		}
		taken[slug] = true
		e := enrolment{slug: slug, from: s.daysAgo(3+s.rng.Float64()*84, 8+s.rng.IntN(9), s.rng.IntN(60)), share: share}
		s.outcome(&e, p.drive)
		if e.lessons == 0 {
			e.lessons = 1 // who chooses a course opens it
		}
		out = append(out, e)
	}
	return out
}

// outcome decides how far someone gets, and how quickly. Most of those
// still in a course have been in it lately.
func (s *demoStory) outcome(e *enrolment, drive float64) {
	e.gap = 0.3 + 3*(1-drive)*s.rng.Float64()
	switch u := s.rng.Float64(); {
	case u < 0.2+0.55*drive:
		e.lessons = -1
	case u < 0.85:
		e.lessons = 1 + s.rng.IntN(6)
		span := time.Duration(float64(e.lessons)*e.gap*24) * time.Hour
		if recent := s.now.Add(-span - time.Duration(1+s.rng.Float64()*12*24)*time.Hour); s.rng.Float64() < 0.7 && recent.After(e.from) {
			e.from = recent
		}
	default:
		e.lessons = 0
	}
}

// learnAll plays every person's courses, person by person.
func (s *demoStory) learnAll(ctx context.Context) error {
	paths := postgres.NewPathService(s.db)
	essentials, err := paths.FindPathBySlug(ctx, s.demo.ID, "managing-up-essentials")
	if err != nil {
		return err
	}
	leading, err := paths.FindPathBySlug(ctx, s.demo.ID, "leading-up-as-a-new-manager")
	if err != nil {
		return err
	}
	for pi, p := range s.people {
		plans := s.plans(pi)
		if len(plans) == 0 {
			continue
		}
		// Keen people take their courses as steps of a path: the
		// essentials, or for a manager the whole library's.
		first := slices.MinFunc(plans, func(a, b enrolment) int { return a.from.Compare(b.from) }).from
		path := int64(0)
		switch {
		case p.manager && p.drive > 0.5:
			path = leading.ID
		case p.drive > 0.75 && slices.ContainsFunc(plans, func(e enrolment) bool { return inPath(essentials, e.slug) }):
			path = essentials.ID
		}
		if path != 0 && s.at(first.Add(-5*time.Minute)) {
			if err := paths.StartPath(ctx, s.demo.ID, p.ID, path); err != nil {
				return err
			}
		}
		for _, e := range plans {
			if err := s.take(ctx, pi, e); err != nil {
				return fmt.Errorf("%s in %s: %w", s.people[pi].Email, e.slug, err)
			}
		}
	}
	return nil
}

// inPath reports whether the course is a step of the path.
func inPath(p postgres.PathRecord, slug string) bool {
	return slices.ContainsFunc(p.Steps, func(st postgres.PathStepRecord) bool { return st.CourseSlug == slug })
}

// take plays one person's time in one course: enrolling (or opening what
// was assigned), lesson after lesson, until they stop or today comes.
func (s *demoStory) take(ctx context.Context, pi int, e enrolment) error {
	p := s.people[pi]
	if !s.at(e.from) {
		return nil
	}
	if !e.assigned {
		created, err := s.learn.Enrol(ctx, s.demo.ID, p.ID, s.courses[e.slug], learning.SelfEnrolled)
		if err != nil {
			return err
		}
		if created {
			s.counts.enrolments++
		}
	}
	s.enrolled[e.slug] = append(s.enrolled[e.slug], visit{who: pi, at: s.clock})
	lc, err := s.learn.FindLearnerCourse(ctx, s.demo.ID, p.ID, e.slug)
	if err != nil {
		return err
	}
	lessons := lc.Content.Lessons()
	n := len(lessons)
	if e.lessons >= 0 && e.lessons < n {
		n = e.lessons
	}
	// An answer or two shared with their manager, in any lesson.
	shares := 0
	if s.rng.Float64() < e.share {
		shares = 1 + s.rng.IntN(2)
	}
	t := e.from.Add(time.Duration(5+s.rng.IntN(40)) * time.Minute)
	for _, l := range lessons[:n] {
		goOn, err := s.lesson(ctx, pi, &lc, l, t, &shares)
		if err != nil || !goOn {
			return err
		}
		// The next lesson: some days on, in working hours.
		next := t.Add(time.Duration(e.gap*(0.4+1.2*s.rng.Float64())*24) * time.Hour)
		day := next.UTC().Truncate(24 * time.Hour)
		t = day.Add(time.Duration(8+s.rng.IntN(10))*time.Hour + time.Duration(s.rng.IntN(60))*time.Minute)
		if !t.After(s.clock) {
			t = s.clock.Add(20 * time.Minute)
		}
	}
	if n == len(lessons) {
		s.counts.completions++
	}
	return nil
}

// lesson plays one lesson from t: opening it, answering its reflection
// and action plan, taking its quiz (failing it first, sometimes, and
// sometimes giving up there), or marking it complete. goOn is false when
// the person stops in this lesson or today comes.
func (s *demoStory) lesson(ctx context.Context, pi int, lc *postgres.LearnerCourse, l *course.Lesson, t time.Time, shares *int) (goOn bool, err error) {
	id := s.demo.ID
	share := func() bool {
		if *shares > 0 && s.rng.Float64() < 0.4 {
			*shares--
			return true
		}
		return false
	}
	// The page's heartbeats: the first opens the lesson, each next one
	// credits a minute of time spent.
	for i := range 2 + s.rng.IntN(3) {
		if !s.at(t.Add(time.Duration(i) * time.Minute)) {
			return false, nil
		}
		if err := s.learn.Heartbeat(ctx, id, *lc, l.Key); err != nil {
			return false, err
		}
	}
	t = s.clock.Add(time.Duration(1+s.rng.IntN(5)) * time.Minute)
	for _, b := range l.Blocks {
		if !s.at(t) {
			return false, nil
		}
		switch b.Kind {
		case course.KindReflection:
			answers := demoReflections[lc.Slug]
			if len(answers) == 0 { // a course new to the library
				answers = []string{"I'll talk this through with my manager at our next one-to-one."}
			}
			text := answers[s.rng.IntN(len(answers))]
			if err := s.learn.SaveReflection(ctx, id, *lc, l.Key, b.Key, text, share()); err != nil {
				return false, err
			}
		case course.KindWriting:
			if err := s.learn.SaveWriting(ctx, id, *lc, l.Key, b.Key, s.draft(*b.Writing), share()); err != nil {
				return false, err
			}
		case course.KindChecklist:
			if s.rng.Float64() < 0.5 {
				continue
			}
			items := make([]postgres.ChecklistItemState, len(b.Checklist.Items))
			done := s.rng.IntN(len(items) + 1)
			for i, it := range b.Checklist.Items {
				items[i].Done = i < done
				if it.DueInDays > 0 {
					items[i].Due = t.AddDate(0, 0, it.DueInDays).Format(time.DateOnly)
				}
			}
			if err := s.learn.SaveChecklist(ctx, id, *lc, l.Key, b.Key, items, share()); err != nil {
				return false, err
			}
		case course.KindQuiz:
			q := *b.Quiz
			number := 1
			if (q.Attempts == 0 || q.Attempts > 1) && s.rng.Float64() < 0.22 {
				if _, err := s.learn.SubmitQuiz(ctx, id, *lc, l.Key, b.Key, number, s.wrongAnswers(q)); err != nil {
					return false, err
				}
				s.counts.quizzes++
				number++
				if s.rng.Float64() < 0.2 {
					return false, nil // stuck: they have not tried again yet
				}
				// Again after reading the lesson once more, or the next day.
				t = t.Add(time.Duration(10+s.rng.IntN(60*24)) * time.Minute)
				if !s.at(t) {
					return false, nil
				}
			}
			if _, err := s.learn.SubmitQuiz(ctx, id, *lc, l.Key, b.Key, number, s.passingAnswers(q)); err != nil {
				return false, err
			}
			s.counts.quizzes++
		default:
			continue
		}
		t = t.Add(time.Duration(1+s.rng.IntN(4)) * time.Minute)
	}
	if learning.NeedsMarking(*l) {
		if !s.at(t) {
			return false, nil
		}
		if err := s.learn.MarkComplete(ctx, id, *lc, l.Key); err != nil {
			return false, err
		}
	}
	key := lc.Slug + "/" + l.Key
	s.visits[key] = append(s.visits[key], visit{who: pi, at: s.clock})
	return true, nil
}

// passingAnswers pass the quiz: all right, or now and then one wrong
// when the pass mark allows it.
func (s *demoStory) passingAnswers(q course.Quiz) learning.Answers {
	a := learning.RightAnswers(q)
	if s.rng.Float64() < 0.4 {
		i := s.rng.IntN(len(q.Questions))
		right := a[i]
		a[i] = learning.WrongAnswer(q.Questions[i])
		if !learning.Score(q, a).Passed {
			a[i] = right
		}
	}
	return a
}

// wrongAnswers fail the quiz: questions taken at random are answered
// wrongly until the score is under the pass mark.
func (s *demoStory) wrongAnswers(q course.Quiz) learning.Answers {
	a := learning.RightAnswers(q)
	for _, i := range s.rng.Perm(len(q.Questions)) {
		if !learning.Score(q, a).Passed {
			break
		}
		a[i] = learning.WrongAnswer(q.Questions[i])
	}
	return a
}

// discuss writes the threads: the first person through the lesson
// posts, the next ones reply, and the instructor answers the next day.
func (s *demoStory) discuss(ctx context.Context) error {
	talk := postgres.NewDiscussionService(s.db)
	instructor := s.people[s.byEmail["instructor@demo.test"]]
	for _, th := range demoThreads {
		lc, err := s.learn.FindLearnerCourse(ctx, s.demo.ID, instructor.ID, th.course)
		if err != nil {
			return err
		}
		lessons := lc.Content.Lessons()
		if th.lesson >= len(lessons) {
			return fmt.Errorf("%s has no lesson %d", th.course, th.lesson+1)
		}
		key := lessons[th.lesson].Key
		vs := slices.SortedFunc(slices.Values(s.visits[th.course+"/"+key]), func(a, b visit) int { return a.at.Compare(b.at) })
		if len(vs) == 0 {
			continue
		}
		ref := postgres.ThreadRef{CourseID: s.courses[th.course], Lesson: key}
		author := s.people[vs[0].who]
		t := vs[0].at.Add(20 * time.Minute)
		if !s.at(t) {
			continue
		}
		post, err := talk.CreatePost(ctx, s.demo.ID, postgres.Viewer{UserID: author.ID}, ref, 0, th.post)
		if err != nil {
			return err
		}
		s.counts.posts++
		next := 1
		for _, r := range th.replies {
			v := postgres.Viewer{UserID: instructor.ID, Moderator: true}
			at := t.Add(26 * time.Hour)
			if !r.instructor {
				if next >= len(vs) {
					continue
				}
				v = postgres.Viewer{UserID: s.people[vs[next].who].ID}
				at = vs[next].at.Add(15 * time.Minute)
				next++
			}
			if !at.After(t) {
				at = t.Add(time.Duration(1+s.rng.IntN(5)) * time.Hour)
			}
			if !s.at(at) {
				continue
			}
			t = at
			body := strings.ReplaceAll(r.text, "{author}", discussion.Handle(author.Name))
			if _, err := talk.CreatePost(ctx, s.demo.ID, v, ref, post.PostID, body); err != nil {
				return err
			}
			s.counts.posts++
		}
	}
	return nil
}

// schedule plans the live sessions: one held three weeks ago, with its
// attendance, and two ahead, the second full with a waitlist.
func (s *demoStory) schedule(ctx context.Context) error {
	live := postgres.NewLiveSessionService(s.db)
	instructor := s.people[s.byEmail["instructor@demo.test"]]
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	sessions := []struct {
		course, title, description, url, room string
		made, start                           time.Time
		capacity, places                      int
		first                                 int // who registers first (-1: no one in particular)
	}{
		{"managing-up-foundations", "Managing up: live questions and answers",
			"Bring a situation with your manager you would like to handle better; we work through a few together.",
			"https://meet.demo.test/foundations-qa", "", s.daysAgo(40, 10, 0), s.daysAgo(20, 15, 0), 25, 14, -1},
		{"communicating-up", "Weekly update clinic",
			"Bring last week's update to your manager. We rewrite a few together, live, in five lines or fewer.",
			"https://meet.demo.test/update-clinic", "", s.daysAgo(12, 9, 0), s.daysAgo(-3, 14, 0), 16, 10, -1},
		{"no-surprises", "Breaking bad news: a role-play workshop",
			"Practise telling your manager about a slipped date or a risk, with options and a recommendation. Small group, in person.",
			"", "Meeting room 3, second floor", s.daysAgo(6, 9, 30), s.daysAgo(-9, 10, 0), 6, 8, s.learnerI},
	}
	for _, ls := range sessions {
		if !s.at(ls.made) {
			continue
		}
		d := livesession.Details{Title: ls.title, Description: ls.description, Start: ls.start, End: ls.start.Add(time.Hour),
			TimeZone: london.String(), Capacity: ls.capacity, MeetingURL: ls.url, Room: ls.room}
		made, err := live.CreateSession(ctx, s.demo.ID, postgres.SessionPlan{CourseID: s.courses[ls.course], Details: d, Instructors: []int64{instructor.ID}}, s.by)
		if err != nil {
			return fmt.Errorf("session %q: %w", ls.title, err)
		}
		s.counts.sessions++
		// Those enrolled register, in the order they enrolled, the first
		// named before them; none after the start.
		who := slices.SortedFunc(slices.Values(s.enrolled[ls.course]), func(a, b visit) int { return a.at.Compare(b.at) })
		if i := slices.IndexFunc(who, func(v visit) bool { return v.who == ls.first }); i > 0 {
			who = append(append([]visit{who[i]}, who[:i]...), who[i+1:]...)
		}
		t := ls.made
		var registered []int64
		for _, v := range who {
			if len(registered) == ls.places {
				break
			}
			if v.at.After(t) {
				t = v.at
			}
			t = t.Add(time.Duration(30+s.rng.IntN(60*20)) * time.Minute)
			if !t.Before(ls.start) || !s.at(t) {
				break
			}
			if _, err := live.Register(ctx, s.demo.ID, made.ID, s.people[v.who].ID); err != nil {
				return err
			}
			registered = append(registered, s.people[v.who].ID)
		}
		if !s.at(ls.start.Add(2 * time.Hour)) {
			continue
		}
		// Held: the instructor marks who came.
		for i, id := range registered {
			mark, note := livesession.Present, ""
			switch i % 7 {
			case 3:
				mark = livesession.Absent
			case 5:
				mark, note = livesession.Excused, "Customer visit, agreed with their manager."
			}
			if i >= ls.capacity {
				break
			}
			if err := live.MarkAttendance(ctx, s.demo.ID, made.ID, id, mark, note, postgres.AuditActor{UserID: instructor.ID, Label: instructor.Email}); err != nil {
				return err
			}
		}
	}
	return nil
}

// read marks as read, a little after they came, the notifications older
// than three days of everyone but learner@demo.test and the managers:
// what is new is still new.
func (s *demoStory) read(ctx context.Context) error {
	notes := postgres.NewNotificationService(s.db)
	before := s.daysAgo(3, 0, 0)
	for pi, p := range s.people {
		if pi == s.learnerI || p.manager {
			continue
		}
		list, _, err := notes.FindNotifications(ctx, s.demo.ID, p.ID, 0, 100)
		if err != nil {
			return err
		}
		for _, n := range list {
			if !n.CreatedAt.Before(before) || !s.at(n.CreatedAt.Add(time.Duration(10+s.rng.IntN(600))*time.Minute)) {
				continue
			}
			if _, err := notes.MarkRead(ctx, s.demo.ID, p.ID, n.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// draft is a demo learner's writing practice: their draft leans on the
// shape of the model (people do), long enough to open it, rated mostly
// yes and now and then partly or not yet.
func (s *demoStory) draft(w course.Writing) learning.Draft {
	var words []string
	for _, line := range strings.Split(w.ModelAnswer, "\n") {
		words = append(words, strings.Fields(line)...)
		if len(words) >= w.MinWords+15 {
			break
		}
	}
	d := learning.Draft{Text: strings.Join(words, " ")}
	for range w.Rubric {
		r := course.RatingYes
		switch x := s.rng.Float64(); {
		case x < 0.1:
			r = course.RatingNotYet
		case x < 0.35:
			r = course.RatingPartly
		}
		d.Ratings = append(d.Ratings, r)
	}
	return d
}
