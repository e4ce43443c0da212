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

// answer calls send with the question to answer now, once; when it has
// been answered already the typed buffers are wiped instead and nothing is
// sent. send takes ownership of the buffers (the session wipes them).
func (q *question) answer(send func(question uint64), typed ...[]byte) {
	n, ok := q.take()
	if !ok {
		for _, b := range typed {
			clear(b)
		}
		return
	}
	send(n)
}

// sendCode sends what e holds (an emailed code) to send, once per
// question, and empties e; an empty field sends nothing.
func (q *question) sendCode(e *passEntry, send func(question uint64, code []byte)) {
	if e.Text == "" {
		return
	}
	b := []byte(e.Text)
	e.clear()
	q.answer(func(n uint64) { send(n, b) }, b)
}
