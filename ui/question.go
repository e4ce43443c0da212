package ui

// question remembers which session question a screen shows (State.Question)
// and whether it has been answered, so each question is answered once: a
// second Enter or click while the first answer is on its way sends nothing.
type question struct {
	asked, answered uint64
}

// ask records the question of the State being rendered.
func (q *question) ask(n uint64) { q.asked = n }

// take returns the question to answer now, or false if it has been answered.
func (q *question) take() (uint64, bool) {
	if q.asked == 0 || q.asked == q.answered {
		return 0, false
	}
	q.answered = q.asked
	return q.asked, true
}
