// Command baseline is the floor that `make bench` measures Upward against:
// a bare net/http server with a pgx pool that runs the main query of each
// benchmarked page and writes its HTML with html/template. No sessions, no
// middleware, no authorisation: the person and the portal come in the
// query string. It reads Upward's database as Upward's runtime role, so
// row-level security costs it what it costs Upward (each request sets the
// tenant in its transaction).
//
//	DATABASE_URL=postgres://… baseline -addr 127.0.0.1:8090
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	flag.Parse()
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// The same role and pool size as Upward's server.
	cfg.ConnConfig.RuntimeParams["role"] = "upward_app"
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	b := &baseline{db: pool}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lesson", b.lesson)
	mux.HandleFunc("GET /catalog", b.catalog)
	mux.HandleFunc("POST /complete", b.complete)
	mux.HandleFunc("GET /report", b.report)
	mux.HandleFunc("GET /report.csv", b.reportCSV)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

type baseline struct{ db *pgxpool.Pool }

// inTenant runs fn in a transaction with the tenant set, as row-level
// security requires.
func (b *baseline) inTenant(ctx context.Context, tenant string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, b.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenant); err != nil {
			return err
		}
		return fn(tx)
	})
}

func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, pgx.ErrNoRows) {
		status = http.StatusNotFound
	}
	http.Error(w, err.Error(), status)
}

var page = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.}}</title></head><body><main><h1>{{.}}</h1>{{end}}
{{define "lesson"}}{{template "head" .Title}}{{range .Blocks}}<section>{{if .Text}}<p>{{.Text.Markdown}}</p>{{end}}{{if .Callout}}<aside>{{.Callout.Text}}</aside>{{end}}</section>{{end}}</main></body></html>{{end}}
{{define "catalog"}}{{template "head" "Courses"}}<ul>{{range .}}<li><a href="/courses/{{.Slug}}">{{.Title}}</a> {{.Summary}} {{.Level}} {{.Minutes}} min {{.Status}} {{.Percent}}%</li>{{end}}</ul></main></body></html>{{end}}
{{define "report"}}{{template "head" .Title}}<table><tr><th>Learner</th><th>Status</th><th>Progress</th><th>Time spent</th><th>Enrolled</th><th>Completed</th></tr>{{range .Rows}}<tr><td>{{.Name}} {{.Email}}</td><td>{{.Status}}</td><td>{{.Percent}}%</td><td>{{.Seconds}}</td><td>{{.Enrolled.Format "2006-01-02"}}</td><td>{{with .Completed}}{{.Format "2006-01-02"}}{{end}}</td></tr>{{end}}</table></main></body></html>{{end}}
`))

type lessonContent struct {
	Modules []struct {
		Lessons []struct {
			Key    string `json:"key"`
			Title  string `json:"title"`
			Blocks []struct {
				Text    *struct{ Markdown string } `json:"text"`
				Callout *struct{ Text string }     `json:"callout"`
			} `json:"blocks"`
		} `json:"lessons"`
	} `json:"modules"`
}

// lesson: the learner's enrolment and the version they take, the lesson's
// blocks from it.
func (b *baseline) lesson(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var content []byte
	err := b.inTenant(r.Context(), q.Get("tenant"), func(tx pgx.Tx) error {
		return tx.QueryRow(r.Context(), `
			SELECT v.content
			FROM courses c
			LEFT JOIN enrolments e ON e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.user_id = $1
			JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id
				AND v.version = coalesce(e.version, c.published_version)
			WHERE c.tenant_id = current_tenant_id() AND c.slug = $2
				AND (c.status = 'published' OR (e.id IS NOT NULL AND e.status <> 'withdrawn'))`,
			q.Get("user"), q.Get("course")).Scan(&content)
	})
	if err != nil {
		fail(w, err)
		return
	}
	var c lessonContent
	if err := json.Unmarshal(content, &c); err != nil {
		fail(w, err)
		return
	}
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if l.Key == q.Get("lesson") {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				page.ExecuteTemplate(w, "lesson", l)
				return
			}
		}
	}
	http.NotFound(w, r)
}

type catalogEntry struct {
	Slug, Title, Summary, Level, Status string
	Minutes, Percent                    int
}

// catalog: the portal's published courses with the learner's state.
func (b *baseline) catalog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var entries []catalogEntry
	err := b.inTenant(r.Context(), q.Get("tenant"), func(tx pgx.Tx) error {
		rows, err := tx.Query(r.Context(), `
			SELECT c.slug, c.title, c.summary, c.level, c.estimated_minutes, coalesce(e.status, ''), coalesce(e.percent, 0)
			FROM courses c
			LEFT JOIN enrolments e ON e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.user_id = $2
			WHERE c.tenant_id = $1 AND c.status = 'published'
			ORDER BY lower(c.title), c.id`, q.Get("tenant"), q.Get("user"))
		if err != nil {
			return err
		}
		entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalogEntry, error) {
			var e catalogEntry
			return e, row.Scan(&e.Slug, &e.Title, &e.Summary, &e.Level, &e.Minutes, &e.Status, &e.Percent)
		})
		return err
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page.ExecuteTemplate(w, "catalog", entries)
}

// complete: the lesson's progress row, completed, under the enrolment's
// lock; then on to the next page.
func (b *baseline) complete(w http.ResponseWriter, r *http.Request) {
	tenant, user, course, lesson := r.PostFormValue("tenant"), r.PostFormValue("user"), r.PostFormValue("course"), r.PostFormValue("lesson")
	err := b.inTenant(r.Context(), tenant, func(tx pgx.Tx) error {
		var enrolment int64
		var attempt int
		if err := tx.QueryRow(r.Context(), `
			SELECT e.id, e.attempt FROM enrolments e JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE e.tenant_id = current_tenant_id() AND e.user_id = $1 AND c.slug = $2 FOR UPDATE OF e`,
			user, course).Scan(&enrolment, &attempt); err != nil {
			return err
		}
		_, err := tx.Exec(r.Context(), `
			INSERT INTO lesson_progress (tenant_id, enrolment_id, attempt, lesson_key, first_seen_at, completed_at)
			VALUES (current_tenant_id(), $1, $2, $3, now(), now())
			ON CONFLICT (tenant_id, enrolment_id, attempt, lesson_key) DO UPDATE SET completed_at = EXCLUDED.completed_at
				WHERE lesson_progress.completed_at IS NULL`, enrolment, attempt, lesson)
		return err
	})
	if err != nil {
		fail(w, err)
		return
	}
	http.Redirect(w, r, "/lesson?"+r.URL.RawQuery, http.StatusSeeOther)
}

type learnerRow struct {
	Name, Email, Status string
	Percent, Seconds    int
	Enrolled            time.Time
	Completed           *time.Time
}

// learners runs the course report's query: its learners by name, with
// their state, up to limit rows (0 for all).
func (b *baseline) learners(ctx context.Context, tenant, course string, limit int, fn func(learnerRow) error) error {
	return b.inTenant(ctx, tenant, func(tx pgx.Tx) error {
		var lim *int
		if limit > 0 {
			lim = &limit
		}
		rows, err := tx.Query(ctx, `
			SELECT u.name, u.email, CASE WHEN e.status = 'completed' THEN 'completed'
					WHEN e.due_at < now() THEN 'overdue'
					WHEN e.first_access_at IS NOT NULL THEN 'in_progress' ELSE 'not_started' END,
				e.percent, e.time_spent_seconds, e.enrolled_at, e.completed_at
			FROM enrolments e
			JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = current_tenant_id() AND e.course_id = $1 AND e.status <> 'withdrawn'
			ORDER BY lower(u.name), u.id
			LIMIT $2`, course, lim)
		if err != nil {
			return err
		}
		defer rows.Close()
		var l learnerRow
		for rows.Next() {
			if err := rows.Scan(&l.Name, &l.Email, &l.Status, &l.Percent, &l.Seconds, &l.Enrolled, &l.Completed); err != nil {
				return err
			}
			if err := fn(l); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// report: the course's first 500 learners, as Upward's report page shows.
func (b *baseline) report(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var rows []learnerRow
	if err := b.learners(r.Context(), q.Get("tenant"), q.Get("course"), 500, func(l learnerRow) error {
		rows = append(rows, l)
		return nil
	}); err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page.ExecuteTemplate(w, "report", map[string]any{"Title": "Course report", "Rows": rows})
}

// reportCSV streams every learner of the course as CSV.
func (b *baseline) reportCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	out := csv.NewWriter(w)
	out.Write([]string{"Name", "E-mail", "Status", "Progress", "Time spent", "Enrolled", "Completed"})
	err := b.learners(r.Context(), q.Get("tenant"), q.Get("course"), 0, func(l learnerRow) error {
		completed := ""
		if l.Completed != nil {
			completed = l.Completed.UTC().Format(time.DateTime)
		}
		return out.Write([]string{l.Name, l.Email, l.Status, strconv.Itoa(l.Percent), strconv.Itoa(l.Seconds),
			l.Enrolled.UTC().Format(time.DateTime), completed})
	})
	out.Flush()
	if err != nil {
		fmt.Fprintf(os.Stderr, "csv: %v\n", err)
	}
}
