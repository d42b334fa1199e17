package course

// Lessons returns the course's lessons in reading order: module by module.
func (c *Course) Lessons() []*Lesson {
	var out []*Lesson
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			out = append(out, &c.Modules[mi].Lessons[li])
		}
	}
	return out
}

// Neighbours returns the lessons before and after the keyed one in reading
// order, across module boundaries; nil at either end, or when no lesson has
// the key.
func (c *Course) Neighbours(key string) (prev, next *Lesson) {
	all := c.Lessons()
	for i, l := range all {
		if l.Key != key {
			continue
		}
		if i > 0 {
			prev = all[i-1]
		}
		if i < len(all)-1 {
			next = all[i+1]
		}
		return prev, next
	}
	return nil, nil
}

// Block finds a block of the keyed lesson; a block of another lesson is
// not found.
func (c *Course) Block(lessonKey, blockKey string) (*Lesson, *Block, error) {
	l, err := c.Lesson(lessonKey)
	if err != nil {
		return nil, nil, err
	}
	for i := range l.Blocks {
		if l.Blocks[i].Key == blockKey {
			return l, &l.Blocks[i], nil
		}
	}
	return nil, nil, ErrNotFound
}
