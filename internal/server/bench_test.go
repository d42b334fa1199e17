package server_test

import (
	"net/http"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// The hot pages, measured with their allocations (server and client in one
// process, over loopback) so that benchstat shows a regression:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./internal/server > new.txt
//	benchstat old.txt new.txt
func benchLearner(b *testing.B) (*client, postgres.CourseRecord) {
	b.Helper()
	s := newServer(b, nil)
	acme := fixture.Build(b, s.db, fixture.Spec{Slug: "acme", Name: "Acme", People: []fixture.Person{anaOfAcme}, Courses: []fixture.Course{{}}})
	rec := acme.Courses[fixture.ExampleSlug]
	ana := newClient(b, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	ana.get("/courses/" + rec.Slug)
	if p := ana.post("/courses/"+rec.Slug+"/enrol", nil); p.status != http.StatusSeeOther {
		b.Fatalf("enrol: %d", p.status)
	}
	return ana, rec
}

func BenchmarkLessonPage(b *testing.B) {
	ana, rec := benchLearner(b)
	path := "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key
	ana.get(path)
	b.ReportAllocs()
	for b.Loop() {
		if res, _ := ana.raw(path); res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

func BenchmarkCatalog(b *testing.B) {
	ana, _ := benchLearner(b)
	ana.get("/courses")
	b.ReportAllocs()
	for b.Loop() {
		if res, _ := ana.raw("/courses"); res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}
