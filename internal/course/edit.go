package course

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Edits the authoring UI makes to a draft. Each either applies whole or
// returns an error and leaves the course as it was.

// ErrNotFound is returned when a key names nothing in the course.
var ErrNotFound = errors.New("course: no such module, lesson or block")

// ErrConflict is returned when a block to put back has a key the course
// uses already.
var ErrConflict = errors.New("that block is in the course already")

// NewKey mints a key for a new module, lesson or block.
func NewKey(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// AddModule appends a module and returns its key.
func (c *Course) AddModule(title string) string {
	m := Module{Key: NewKey("m-"), Title: title}
	c.Modules = append(c.Modules, m)
	return m.Key
}

// AddLesson appends a lesson to a module and returns its key.
func (c *Course) AddLesson(moduleKey, title string) (string, error) {
	mi := c.moduleIndex(moduleKey)
	if mi < 0 {
		return "", ErrNotFound
	}
	l := Lesson{Key: NewKey("l-"), Title: title, Required: true}
	c.Modules[mi].Lessons = append(c.Modules[mi].Lessons, l)
	return l.Key, nil
}

// Lesson returns the lesson with the key, for reading and changing.
func (c *Course) Lesson(key string) (*Lesson, error) {
	mi, li := c.lessonIndex(key)
	if mi < 0 {
		return nil, ErrNotFound
	}
	return &c.Modules[mi].Lessons[li], nil
}

// AddBlock appends a block to a lesson after checking it, and returns its key.
func (c *Course) AddBlock(lessonKey string, b Block) (string, error) {
	l, err := c.Lesson(lessonKey)
	if err != nil {
		return "", err
	}
	if ps := CheckBlock(b); len(ps) > 0 {
		return "", problemsError(ps)
	}
	b.Key = NewKey("b-")
	l.Blocks = append(l.Blocks, b)
	return b.Key, nil
}

// ReplaceBlock replaces a block's content, keeping its key and place.
func (c *Course) ReplaceBlock(key string, b Block) error {
	mi, li, bi := c.blockIndex(key)
	if mi < 0 {
		return ErrNotFound
	}
	if ps := CheckBlock(b); len(ps) > 0 {
		return problemsError(ps)
	}
	b.Key = key
	c.Modules[mi].Lessons[li].Blocks[bi] = b
	return nil
}

// Removed is a block taken out of a lesson, with where it was: enough to
// put it back (undo).
type Removed struct {
	Lesson string `json:"lesson"`
	Index  int    `json:"index"`
	Block  Block  `json:"block"`
}

// RemoveBlock deletes a block and returns it with its place.
func (c *Course) RemoveBlock(key string) (Removed, error) {
	mi, li, bi := c.blockIndex(key)
	if mi < 0 {
		return Removed{}, ErrNotFound
	}
	l := &c.Modules[mi].Lessons[li]
	gone := Removed{Lesson: l.Key, Index: bi, Block: l.Blocks[bi]}
	l.Blocks = append(l.Blocks[:bi:bi], l.Blocks[bi+1:]...)
	return gone, nil
}

// RestoreBlock puts a removed block back where it was (or at the end of
// its lesson, if the lesson has fewer blocks now), with its key, so that
// answers kept by that key match it again. The lesson must still exist
// and the key be free.
func (c *Course) RestoreBlock(r Removed) error {
	mi, li := c.lessonIndex(r.Lesson)
	if mi < 0 {
		return ErrNotFound
	}
	if m, _, _ := c.blockIndex(r.Block.Key); m >= 0 {
		return ErrConflict
	}
	bs := c.Modules[mi].Lessons[li].Blocks
	i := max(0, min(r.Index, len(bs)))
	c.Modules[mi].Lessons[li].Blocks = append(bs[:i:i], append([]Block{r.Block}, bs[i:]...)...)
	return nil
}

// MoveBlock moves a block to position index of a lesson (possibly another
// lesson, in another module); index is clamped to the lesson's length.
func (c *Course) MoveBlock(key, toLesson string, index int) error {
	mi, li, bi := c.blockIndex(key)
	tm, tl := c.lessonIndex(toLesson)
	if mi < 0 || tm < 0 {
		return ErrNotFound
	}
	b := c.Modules[mi].Lessons[li].Blocks[bi]
	src := c.Modules[mi].Lessons[li].Blocks
	c.Modules[mi].Lessons[li].Blocks = append(src[:bi:bi], src[bi+1:]...)
	dst := c.Modules[tm].Lessons[tl].Blocks
	index = max(0, min(index, len(dst)))
	c.Modules[tm].Lessons[tl].Blocks = append(dst[:index:index], append([]Block{b}, dst[index:]...)...)
	return nil
}

// MoveLesson moves a lesson to position index of a module.
func (c *Course) MoveLesson(key, toModule string, index int) error {
	mi, li := c.lessonIndex(key)
	tm := c.moduleIndex(toModule)
	if mi < 0 || tm < 0 {
		return ErrNotFound
	}
	l := c.Modules[mi].Lessons[li]
	src := c.Modules[mi].Lessons
	c.Modules[mi].Lessons = append(src[:li:li], src[li+1:]...)
	dst := c.Modules[tm].Lessons
	index = max(0, min(index, len(dst)))
	c.Modules[tm].Lessons = append(dst[:index:index], append([]Lesson{l}, dst[index:]...)...)
	return nil
}

// MoveModule moves a module to position index.
func (c *Course) MoveModule(key string, index int) error {
	mi := c.moduleIndex(key)
	if mi < 0 {
		return ErrNotFound
	}
	m := c.Modules[mi]
	rest := append(c.Modules[:mi:mi], c.Modules[mi+1:]...)
	index = max(0, min(index, len(rest)))
	c.Modules = append(rest[:index:index], append([]Module{m}, rest[index:]...)...)
	return nil
}

func (c *Course) moduleIndex(key string) int {
	for i, m := range c.Modules {
		if m.Key == key {
			return i
		}
	}
	return -1
}

func (c *Course) lessonIndex(key string) (int, int) {
	for i, m := range c.Modules {
		for j, l := range m.Lessons {
			if l.Key == key {
				return i, j
			}
		}
	}
	return -1, -1
}

func (c *Course) blockIndex(key string) (int, int, int) {
	for i, m := range c.Modules {
		for j, l := range m.Lessons {
			for k, b := range l.Blocks {
				if b.Key == key {
					return i, j, k
				}
			}
		}
	}
	return -1, -1, -1
}

// ProblemsError is a set of broken rules, as an error.
type ProblemsError []Problem

func (e ProblemsError) Error() string {
	if len(e) == 1 {
		return e[0].String()
	}
	return fmt.Sprintf("%s (and %d more)", e[0], len(e)-1)
}

func problemsError(ps []Problem) error { return ProblemsError(ps) }

// Changes summarises how a draft differs from the version it started from,
// for the editor's "unpublished changes".
type Changes struct {
	Metadata                     bool
	ModulesAdded, ModulesRemoved int
	LessonsAdded, LessonsRemoved int
	LessonsChanged               int // same key, other title or blocks
	BlocksAdded, BlocksRemoved   int
	BlocksChanged, BlocksMoved   int
}

// Any reports whether there is any change.
func (ch Changes) Any() bool { return ch != Changes{} }

// Diff compares a draft with a published version by keys.
func Diff(published, draft Course) Changes {
	var ch Changes
	ch.Metadata = published.Slug != draft.Slug || published.Title != draft.Title || published.Summary != draft.Summary ||
		published.Description != draft.Description || published.Level != draft.Level || published.Language != draft.Language ||
		published.EstimatedMinutes != draft.EstimatedMinutes || published.Cover != draft.Cover || fmt.Sprint(published.Tags) != fmt.Sprint(draft.Tags)
	type place struct {
		lesson string
		index  int
		block  Block
	}
	keysOf := func(c Course) (map[string]bool, map[string]Lesson, map[string]place) {
		mods, lessons, blocks := map[string]bool{}, map[string]Lesson{}, map[string]place{}
		for _, m := range c.Modules {
			mods[m.Key] = true
			for _, l := range m.Lessons {
				lessons[l.Key] = l
				for i, b := range l.Blocks {
					blocks[b.Key] = place{l.Key, i, b}
				}
			}
		}
		return mods, lessons, blocks
	}
	pm, pl, pb := keysOf(published)
	dm, dl, db := keysOf(draft)
	for k := range dm {
		if !pm[k] {
			ch.ModulesAdded++
		}
	}
	for k := range pm {
		if !dm[k] {
			ch.ModulesRemoved++
		}
	}
	for k, l := range dl {
		old, ok := pl[k]
		switch {
		case !ok:
			ch.LessonsAdded++
		case old.Title != l.Title || old.Required != l.Required || old.EstimatedMinutes != l.EstimatedMinutes || blockKeys(old) != blockKeys(l):
			ch.LessonsChanged++
		}
	}
	for k := range pl {
		if _, ok := dl[k]; !ok {
			ch.LessonsRemoved++
		}
	}
	for k, p := range db {
		old, ok := pb[k]
		switch {
		case !ok:
			ch.BlocksAdded++
		case content(old.block) != content(p.block):
			ch.BlocksChanged++
		case old.lesson != p.lesson || old.index != p.index:
			ch.BlocksMoved++
		}
	}
	for k := range pb {
		if _, ok := db[k]; !ok {
			ch.BlocksRemoved++
		}
	}
	return ch
}

func blockKeys(l Lesson) string {
	s := ""
	for _, b := range l.Blocks {
		s += b.Key + ","
	}
	return s
}

// content is a block's content in a comparable form (its pointers
// followed).
func content(b Block) string {
	j, _ := json.Marshal(b)
	return string(j)
}

// AdoptKeys gives a course read back from its files the keys of the
// course it replaces, wherever they hold the same thing. Keys never reach
// the files (a module is keyed by its place, a block by its place in its
// lesson), so a course made in the editor and exported would otherwise
// come back with every module and block "new", and learners' answers,
// which are kept by block key, would no longer match. Lessons keep their
// keys already: their files are named after them.
//
// A module takes the key of the old module with its title (the first
// unused one); a block takes the key of an unused old block of the same
// lesson with the same content, or else of the old block at its place if
// that is of its kind (an edited block). Any other keeps its own key,
// renamed if an adopted key has taken it.
func AdoptKeys(in *Course, old Course) {
	oldLessons := map[string]Lesson{}
	for _, m := range old.Modules {
		for _, l := range m.Lessons {
			oldLessons[l.Key] = l
		}
	}
	taken := map[string]bool{}
	adopted := make([]bool, len(in.Modules))
	for i := range in.Modules {
		for _, m := range old.Modules {
			if m.Title == in.Modules[i].Title && !taken[m.Key] {
				in.Modules[i].Key, taken[m.Key], adopted[i] = m.Key, true, true
				break
			}
		}
	}
	used := map[string]bool{}
	for _, m := range in.Modules {
		used[m.Key] = true
	}
	for i := range in.Modules {
		if !adopted[i] && taken[in.Modules[i].Key] {
			in.Modules[i].Key = fresh(used, "m")
		}
	}

	// Blocks: adopt lesson by lesson, then make sure no block kept a key
	// that an adopted one now holds, anywhere in the course.
	type at struct{ m, l, b int }
	var kept []at
	blockTaken, blockUsed := map[string]bool{}, map[string]bool{}
	for i := range in.Modules {
		for j := range in.Modules[i].Lessons {
			l := &in.Modules[i].Lessons[j]
			for k, ok := range adoptBlockKeys(l, oldLessons[l.Key]) {
				if ok {
					blockTaken[l.Blocks[k].Key] = true
				} else {
					kept = append(kept, at{i, j, k})
				}
				blockUsed[l.Blocks[k].Key] = true
			}
		}
	}
	for _, p := range kept {
		l := &in.Modules[p.m].Lessons[p.l]
		if blockTaken[l.Blocks[p.b].Key] {
			l.Blocks[p.b].Key = fresh(blockUsed, l.Key+"-b")
		}
		blockTaken[l.Blocks[p.b].Key] = true
	}
}

// adoptBlockKeys gives a lesson's blocks the keys of the old lesson's
// blocks with the same content, or else of the old block at the same
// place and of the same kind; it reports which blocks took an old key.
func adoptBlockKeys(in *Lesson, old Lesson) []bool {
	taken := map[string]bool{}
	adopted := make([]bool, len(in.Blocks))
	bare := func(b Block) string { b.Key = ""; return content(b) }
	for i, b := range in.Blocks {
		for _, o := range old.Blocks {
			if !taken[o.Key] && bare(o) == bare(b) {
				in.Blocks[i].Key, taken[o.Key], adopted[i] = o.Key, true, true
				break
			}
		}
	}
	for i, b := range in.Blocks {
		if !adopted[i] && i < len(old.Blocks) && old.Blocks[i].Kind == b.Kind && !taken[old.Blocks[i].Key] {
			in.Blocks[i].Key, taken[old.Blocks[i].Key], adopted[i] = old.Blocks[i].Key, true, true
		}
	}
	return adopted
}

// fresh is prefix followed by the lowest number not in used, which it
// then marks used.
func fresh(used map[string]bool, prefix string) string {
	for n := 1; ; n++ {
		k := prefix + strconv.Itoa(n)
		if !used[k] {
			used[k] = true
			return k
		}
	}
}
