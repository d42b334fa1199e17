package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// waitFor polls a script's truth on the page for as long as the server may
// take to answer (journeys run beside other packages).
func waitFor(t *testing.T, b *browsertest.Browser, what, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !browsertest.Run(b, chromedp.Evaluate[bool](js)) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s; status %q", what, browsertest.Run(b, chromedp.Evaluate[string](
				`document.querySelector("[data-save-status]")?.textContent ?? ""`)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runJS runs a script on the page, as an action.
func runJS(js string) chromedp.Action[chromedp.Void] {
	ev := chromedp.Evaluate[bool](js)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := ev(ctx, t)
		return err
	})
}

// waitSaved waits for the editor's status to say the last change is saved.
func waitSaved(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	waitFor(t, b, "the save", `/Saved \d\d:\d\d/.test(document.querySelector("[data-save-status]").textContent)`)
}

// clearStatus empties the status, so that the next "Saved" is new.
func clearStatus(b *browsertest.Browser) {
	browsertest.Run(b, chromedp.Evaluate[bool](`(document.querySelector("[data-save-status]").textContent = "", true)`))
}

// shots saves the page at a desktop's and a phone's width under /tmp.
func shots(b *browsertest.Browser, name string) {
	b.Do(chromedp.EmulateViewport(1280, 900))
	b.ScreenshotTo("/tmp/editor-shots/" + name + "-1280.png")
	b.Do(chromedp.EmulateViewport(390, 844))
	b.ScreenshotTo("/tmp/editor-shots/" + name + "-390.png")
	b.Do(chromedp.EmulateViewport(1280, 900))
}

// An author edits a lesson where it stands: a text block saves itself
// while they write, a quiz gains a question and an option in place, an
// image dropped on an image block is uploaded into it (a refused file
// says why), a deleted block comes back with Undo, a block moves with the
// keyboard, and Preview is the learner's page.
func TestJourney_AuthorEditsInPlace(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{ian},
		Courses: []fixture.Course{{Draft: true}}})
	rec := acme.Courses[fixture.ExampleSlug]
	courses := postgres.NewCourseService(srv.Main.DB)
	lesson := func() course.Lesson {
		t.Helper()
		c, err := courses.FindCourseByID(ctx, acme.ID, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.Draft.Modules[1].Lessons[0]
	}
	portal := srv.PortalURL("acme")
	lessonPath := portal + "/admin/courses/" + itoa(rec.ID) + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key

	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "ian@acme.test")
	b.Visit(lessonPath)
	shots(b, "lesson-editor")

	// Autosave: the text block's form opens in place, saves itself, and
	// the change is there after a reload.
	b.Do(chromedp.Click(chromedp.CSS(`li[data-kind="text"] [data-edit]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-kind="text"] [data-block-form] textarea`)))
	clearStatus(b)
	b.Do(runJS(`(() => { const a = document.querySelector("#f-content"); a.setSelectionRange(a.value.length, a.value.length); return true })()`),
		typeText(chromedp.CSS(`#f-content`), "\n\nSaved **by itself**."))
	waitSaved(t, b)
	waitFor(t, b, "the live preview", `!!document.querySelector("[data-live-preview] strong") && document.querySelector("[data-live-preview]").textContent.includes("by itself")`)
	b.CheckAccessibility()
	shots(b, "lesson-editor-text")
	b.Visit(lessonPath)
	if got := b.Text(`li[data-kind="text"] .prose`); !strings.Contains(got, "Saved by itself.") {
		t.Errorf("after a reload the text block reads %q", got)
	}

	// The quiz: a question and an option added in place, then saved.
	before := len(lesson().Blocks[1].Quiz.Questions)
	b.Do(chromedp.Click(chromedp.CSS(`li[data-kind="quiz"] [data-edit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="add-question"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="add-question"]`)))
	n := itoa(int64(before)) // the new question's number in the form
	b.Do(chromedp.SetValue(chromedp.CSS("#f-q"+n+"_type"), "single"),
		typeText(chromedp.CSS("#f-q"+n+"_prompt"), "Who books the next one-on-one?"),
		typeText(chromedp.CSS("#f-q"+n+"_o0_text"), "You do"),
		chromedp.Click(chromedp.CSS("#f-q"+n+"_o0_correct")),
		typeText(chromedp.CSS("#f-q"+n+"_o1_text"), "Your manager"),
		chromedp.Click(chromedp.CSS(`[data-question]:last-child [data-add-option]`)),
		typeText(chromedp.CSS("#f-q"+n+"_o2_text"), "Nobody"))
	b.CheckAccessibility()
	shots(b, "lesson-editor-quiz")
	afterReload(t, b, chromedp.Click(chromedp.CSS(`li[data-kind="quiz"] [data-block-form] .button-row button[type="submit"]:not([name])`)))
	if msg := browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('[data-testid="form-error"]')?.textContent ?? ""`)); msg != "" {
		t.Fatalf("saving the quiz: %s", msg)
	}
	q := lesson().Blocks[1].Quiz
	if len(q.Questions) != before+1 || len(q.Questions[before].Options) != 3 || q.Questions[before].Options[2].Text != "Nobody" {
		t.Errorf("stored quiz: %d questions, the new one %+v", len(q.Questions), q.Questions[len(q.Questions)-1])
	}

	// An image block: a refused file says why; an image dropped on the
	// block is uploaded into it and saved.
	afterReload(t, b, runJS(`(document.querySelector("#f-add").value = "image", document.querySelector(".add-block").submit(), true)`))
	drop := func(name, b64 string) chromedp.Action[chromedp.Void] {
		return runJS(`(() => {
			const bytes = Uint8Array.from(atob("` + b64 + `"), c => c.charCodeAt(0));
			const dt = new DataTransfer();
			dt.items.add(new File([bytes], "` + name + `", { type: "image/png" }));
			document.querySelector("[data-dropzone]").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
			return true;
		})()`)
	}
	b.Do(drop("notes.png", base64.StdEncoding.EncodeToString([]byte("these are notes, not a picture"))))
	waitFor(t, b, "the refusal", `!document.querySelector("[data-upload-error]").hidden`)
	if got := b.Text(`[data-upload-error]`); !strings.Contains(got, "not accepted") {
		t.Errorf("refused file: %q", got)
	}
	b.CheckAccessibility()
	var img bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 320, 180))
	for x := range 320 {
		for y := range 180 {
			pic.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	png.Encode(&img, pic)
	clearStatus(b)
	b.Do(typeText(chromedp.CSS("#f-alt"), "A gradient from blue to pink"),
		drop("gradient.png", base64.StdEncoding.EncodeToString(img.Bytes())))
	waitFor(t, b, "the upload", `document.querySelector("[data-src]").value.startsWith("f-") && !!document.querySelector("[data-current] img")`)
	waitSaved(t, b)
	shots(b, "lesson-editor-image")
	blocks := lesson().Blocks
	if last := blocks[len(blocks)-1]; last.Image == nil || !strings.HasPrefix(last.Image.Src, "f-") || last.Image.Alt != "A gradient from blue to pink" {
		t.Fatalf("the image block after the drop: %+v", last)
	}

	// Delete, then Undo from the toast.
	b.Visit(lessonPath)
	count := len(lesson().Blocks)
	afterReload(t, b, runJS(`(document.querySelector('[data-testid="blocks"] > li:first-child details.block-menu').open = true, document.querySelector('[data-testid="blocks"] > li:first-child form.delete button').click(), true)`))
	if len(lesson().Blocks) != count-1 || !strings.Contains(b.Text(`[data-testid="undo-toast"]`), "deleted") {
		t.Fatalf("after deleting: %d blocks, toast %q", len(lesson().Blocks), b.Text(`[data-testid="undo-toast"]`))
	}
	b.CheckAccessibility()
	shots(b, "lesson-editor-undo")
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="undo"] button`)))
	if len(lesson().Blocks) != count {
		t.Errorf("after Undo: %d blocks, want %d", len(lesson().Blocks), count)
	}

	// The keyboard moves a block with its handle.
	first := lesson().Blocks[0].Key
	clearStatus(b)
	b.Do(runJS(`(() => {
		const h = document.querySelector('[data-testid="blocks"] > li:nth-child(2) [data-handle]');
		h.focus();
		h.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
		return true;
	})()`))
	waitSaved(t, b)
	if got := lesson().Blocks[1].Key; got != first {
		t.Errorf("after ArrowUp on the second block, the second is %s, want %s", got, first)
	}
	if focused := browsertest.Run(b, chromedp.Evaluate[bool](`document.activeElement.matches('[data-testid="blocks"] > li:first-child [data-handle]')`)); !focused {
		t.Error("the moved block's handle lost the focus")
	}

	// Preview is the learner's page, marked.
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="preview-lesson"]`)))
	if got := b.Text(`[data-testid="preview-banner"]`); !strings.Contains(got, "Preview") {
		t.Errorf("preview banner %q", got)
	}
	if n := browsertest.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('.player [data-testid="lesson-body"] [data-testid="block"]').length`)); n != len(lesson().Blocks) {
		t.Errorf("the preview shows %d blocks, want %d", n, len(lesson().Blocks))
	}
	b.CheckAccessibility()
	b.CheckFitsPhone()
	shots(b, "lesson-preview")
}
