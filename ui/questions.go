package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// questionsView registers security questions from the active session (a
// page of its own: four questions and their answers need the room, and it
// scrolls in a small window):
// four questions chosen from the catalogue, an answer to each and the
// passcode (ScreenQuestions), the emailed code (ScreenQuestionsCode), the
// card or identityd at work (ScreenSavingQuestions), done
// (ScreenQuestionsSaved) or why not (ScreenQuestionsFailed). The session
// checks everything typed.
type questionsView struct {
	sess Session
	q    question

	root       fyne.CanvasObject
	focusOn    fyne.Focusable // where the keyboard goes on this screen
	explain    *widget.Label
	registered *widget.Label
	answersTip *widget.Label
	picks      [session.QuestionsToRegister]*widget.Select
	answers    [session.QuestionsToRegister]*passEntry
	form       *fyne.Container
	tries      *widget.Label
	passcode   *passEntry
	passBox    *fyne.Container
	codeText   *widget.Label
	code       *passEntry
	codeBox    *fyne.Container
	message    *widget.Label
	hint       *widget.Label
	working    *fyne.Container
	workText   *widget.Label
	result     *widget.Label
	fix        *widget.Label
	save       *widget.Button
	confirm    *widget.Button
	cancel     *widget.Button
	close      *widget.Button
	retry      *widget.Button

	catalogue []session.SecurityQuestion // as last rendered: what each Select's options stand for
	canvas    fyne.Canvas                // the window's, known from the first focus: Enter moves on
}

func newQuestionsView(sess Session) *questionsView {
	p := &questionsView{
		sess:       sess,
		explain:    newText(wording.QuestionsExplain),
		registered: newCaption(""),
		answersTip: newCaption(wording.QuestionsAnswersHint),
		tries:      newText(""),
		passcode:   newPassEntry(),
		codeText:   newText(""),
		code:       newPassEntry(),
		message:    newMessage(),
		hint:       newText(""),
		workText:   newText(""),
		result:     newText(""),
		fix:        newText(""),
	}
	rows := []fyne.CanvasObject{}
	for i := range p.picks {
		p.picks[i] = widget.NewSelect(nil, nil)
		p.picks[i].PlaceHolder = wording.QuestionChoose
		p.answers[i] = newAnswerEntry()
		rows = append(rows, p.picks[i], p.answers[i])
	}
	for i := range p.answers[:len(p.answers)-1] {
		next := p.picks[i+1] // Enter goes on as Tab does: the next question, then its answer
		p.answers[i].OnSubmitted = func(string) { p.focusNow(next) }
	}
	p.answers[len(p.answers)-1].OnSubmitted = func(string) { p.focusNow(p.passcode) }
	p.passcode.PlaceHolder = ""
	p.passcode.OnSubmitted = func(string) { p.send() }
	p.code.Password = false // a one-time code, typed from the email: seeing it helps
	p.code.PlaceHolder = ""
	p.code.limit(session.PasscodeRule{MaxLength: session.CodeDigits, DigitsOnly: true})
	p.code.OnSubmitted = func(string) { p.sendCode() }
	p.save = widget.NewButtonWithIcon(wording.QuestionsSave, theme.ConfirmIcon(), p.send)
	p.save.Importance = widget.HighImportance
	p.confirm = widget.NewButtonWithIcon(wording.QuestionsConfirm, theme.ConfirmIcon(), p.sendCode)
	p.confirm.Importance = widget.HighImportance
	p.cancel = widget.NewButton("Cancel", sess.CloseQuestions)
	p.close = widget.NewButton("Close", sess.CloseQuestions)
	p.retry = widget.NewButtonWithIcon(wording.QuestionsAgain, theme.ViewRefreshIcon(), sess.Retry)
	p.form = container.NewVBox(rows...)
	p.passBox = container.New(layout.NewFormLayout(), widget.NewLabel(wording.QuestionsPasscode), p.passcode)
	p.codeBox = container.New(layout.NewFormLayout(), widget.NewLabel(wording.UnlockCodeLabel), p.code)
	p.working = container.NewVBox(p.workText, widget.NewProgressBarInfinite())
	p.root = page(wide,
		newHeading(wording.TitleQuestions),
		p.explain,
		p.registered,
		p.form,
		p.answersTip,
		p.tries,
		p.passBox,
		p.codeText,
		p.hint,
		p.codeBox,
		p.message,
		p.working,
		p.result,
		p.fix,
		container.NewHBox(layout.NewSpacer(), p.cancel, p.close, p.retry, p.save, p.confirm),
	)
	return p
}

func (p *questionsView) content() fyne.CanvasObject { return p.root }

// render shows a security questions screen; the fields are emptied
// whenever the question changes.
func (p *questionsView) render(st session.State) {
	asking := st.Screen == session.ScreenQuestions
	askCode := st.Screen == session.ScreenQuestionsCode
	newQuestion := (asking || askCode) && st.Question != p.q.asked
	p.q.ask(st.Question)
	if asking && st.Questions != nil {
		p.setCatalogue(st.Questions, newQuestion)
	}
	registered, tries, sent := "", "", ""
	if asking && st.Questions != nil {
		registered = wording.QuestionsNone
		if !st.Questions.RegisteredAt.IsZero() {
			registered = wording.QuestionsRegisteredOn(st.Questions.RegisteredAt.Local().Format("2 January 2006"))
		}
		tries = wording.AttemptsLeft(st.TriesLeft)
	}
	if askCode {
		sent = wording.QuestionsCodeExplain + " " + wording.UnlockCodeSent(st.Unlock.SentTo, st.Unlock.ValidUntil.Local().Format("15:04"))
	}
	showIf(p.explain, asking)
	setText(p.registered, registered)
	showIf(p.form, asking)
	showIf(p.answersTip, asking)
	setText(p.tries, tries)
	showIf(p.passBox, asking)
	setText(p.codeText, sent)
	setText(p.hint, st.Hint)
	showIf(p.codeBox, askCode)
	setText(p.message, st.Message)
	showIf(p.working, st.Screen == session.ScreenSavingQuestions)
	setText(p.workText, st.Working)
	setOutcome(p.result, p.fix, st, session.ScreenQuestionsSaved, wording.QuestionsSaved, session.ScreenQuestionsFailed)
	showIf(p.save, asking)
	showIf(p.confirm, askCode)
	showIf(p.cancel, asking || askCode)
	done := st.Screen == session.ScreenQuestionsSaved || st.Screen == session.ScreenQuestionsFailed
	showIf(p.close, done)
	showIf(p.retry, st.Screen == session.ScreenQuestionsFailed && st.Retryable)
	switch {
	case newQuestion && asking:
		p.passcode.clear()
		p.focusOn = p.picks[0]
		if p.picks[0].SelectedIndex() >= 0 {
			p.focusOn = p.answers[0] // the questions chosen before are offered again
		}
	case newQuestion && askCode:
		p.code.clear()
		p.focusOn = p.code
	case done && st.Retryable:
		p.focusOn = p.retry
	case done:
		p.focusOn = p.close
	case !asking && !askCode:
		p.focusOn = nil
	}
}

// focus puts the keyboard where this screen wants it, once per screen.
func (p *questionsView) focus(c fyne.Canvas) {
	p.canvas = c
	if p.focusOn != nil {
		p.focusNow(p.focusOn)
		p.focusOn = nil // then the user moves it
	}
}

func (p *questionsView) focusNow(o fyne.Focusable) {
	if p.canvas != nil && p.canvas.Focused() != o {
		p.canvas.Focus(o)
	}
}

// leave empties the fields when another screen takes over.
func (p *questionsView) leave() { p.clear() }

// setCatalogue fills the four choices; on a new question they show the
// questions chosen last (after a wrong passcode) or those registered.
func (p *questionsView) setCatalogue(qp *session.QuestionsPrompt, reset bool) {
	texts := make([]string, len(qp.Catalogue))
	for i, q := range qp.Catalogue {
		texts[i] = q.Text
	}
	p.catalogue = qp.Catalogue
	preset := qp.Chosen
	if len(preset) == 0 {
		preset = qp.Registered
	}
	for i, s := range p.picks {
		if !slices.Equal(s.Options, texts) {
			s.SetOptions(texts)
		}
		if !reset {
			continue
		}
		s.ClearSelected()
		if i < len(preset) {
			if j := slices.IndexFunc(qp.Catalogue, func(q session.SecurityQuestion) bool { return q.ID == preset[i] }); j >= 0 {
				s.SetSelectedIndex(j)
			}
		}
		p.answers[i].clear()
	}
}

// send is Save or Enter in the passcode: the choice, the answers and the
// passcode go to the session (which checks them, and wipes the passcode).
func (p *questionsView) send() {
	ids, answers := make([]string, 0, len(p.picks)), make([]string, 0, len(p.picks))
	for i, s := range p.picks {
		id := ""
		if j := s.SelectedIndex(); j >= 0 && j < len(p.catalogue) {
			id = p.catalogue[j].ID
		}
		ids, answers = append(ids, id), append(answers, p.answers[i].Text)
	}
	passcode := []byte(p.passcode.Text)
	p.passcode.clear()
	p.q.answer(func(q uint64) { p.sess.SubmitQuestions(q, ids, answers, passcode) }, passcode)
}

func (p *questionsView) sendCode() { p.q.sendCode(p.code, p.sess.SubmitQuestionsCode) }

func (p *questionsView) clear() {
	p.passcode.clear()
	p.code.clear()
	for _, a := range p.answers {
		a.clear()
	}
}

// newAnswerEntry is the field of an answer: shown as typed, since a typo
// registered unseen would fail every later unlock (the caption under the
// answers says so), and at most an answer's length.
func newAnswerEntry() *passEntry {
	e := newPassEntry()
	e.Password = false
	e.PlaceHolder = wording.UnlockAnswerLabel
	e.limit(session.PasscodeRule{MaxLength: session.MaxAnswerLen})
	return e
}
