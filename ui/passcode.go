package ui

import (
	"image/color"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// passcodeView asks for the passcode: who the card belongs to (name, UUID,
// photo), the tries left before anything is typed, the rule, the terms
// notice and the last message.
type passcodeView struct {
	sess Session
	q    question

	photo   *photoBox
	name    *widget.Label
	uuid    *widget.Label
	tries   *widget.Label
	rule    *widget.Label
	message *widget.Label
	hint    *widget.Label
	entry   *passEntry
	submit  *widget.Button
	forgot  *widget.Button // self-service unlock, when the policy offers it
	root    fyne.CanvasObject
}

func newPasscodeView(sess Session) *passcodeView {
	v := &passcodeView{
		sess:    sess,
		photo:   newPhotoBox(),
		name:    newSubHeading(""),
		uuid:    newText(""),
		tries:   newText(""),
		rule:    newCaption(""),
		message: newMessage(),
		hint:    newText(""),
		entry:   newPassEntry(),
	}
	v.hint.Hide()
	v.tries.TextStyle.Bold = true
	v.entry.OnSubmitted = func(string) { v.send() }
	v.submit = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), v.send)
	v.submit.Importance = widget.HighImportance
	v.forgot = widget.NewButton(wording.ForgottenPasscode, sess.StartUnlock)
	v.forgot.Importance = widget.LowImportance
	who := container.NewBorder(nil, nil, container.NewCenter(v.photo.box), nil,
		container.NewVBox(layout.NewSpacer(), v.name, v.uuid, layout.NewSpacer()))
	notice := newCaption(wording.TermsNotice)
	v.root = page(narrow,
		who,
		widget.NewSeparator(),
		newHeading("Enter your passcode"),
		v.tries,
		v.entry,
		v.rule,
		v.message,
		v.hint,
		container.NewHBox(v.forgot, layout.NewSpacer(), v.submit),
		notice,
	)
	return v
}

func (v *passcodeView) content() fyne.CanvasObject { return v.root }

func (v *passcodeView) render(st session.State) {
	v.q.ask(st.Question)
	var name, uuid string
	var photo []byte
	switch c := st.Card; {
	case c == nil:
	case !c.Verified: // the session could not check whose card it is: no name, no photo
		name, uuid = wording.UnverifiedCard, wording.UnverifiedCardWhy
	default:
		name, photo = c.Name, c.Photo
		if c.UUID != "" {
			uuid = "UUID " + c.UUID
		}
	}
	setText(v.name, name)
	setText(v.uuid, uuid)
	v.photo.set(photo)

	setText(v.tries, wording.AttemptsLeft(st.TriesLeft))
	if st.TriesLeft == 1 {
		v.tries.Importance = widget.DangerImportance
	} else {
		v.tries.Importance = widget.MediumImportance
	}
	v.tries.Refresh()

	rule := ""
	if st.Rule.MaxLength > 0 {
		rule = wording.PasscodeRuleLine(st.Rule.Describe())
	}
	setText(v.rule, rule)
	setText(v.message, st.Message)
	setText(v.hint, st.Hint)
	v.entry.limit(st.Rule)
	showIf(v.forgot, st.SelfUnlock && st.Screen == session.ScreenPasscode && st.Card != nil && st.Card.Verified)
}

// send is Enter or the Sign in button: the typed passcode goes to the
// session (which wipes it) and the field is emptied at once.
func (v *passcodeView) send() {
	if v.entry.Text == "" {
		return // nothing typed: nothing to send
	}
	p := []byte(v.entry.Text)
	v.entry.clear()
	// A prompt answered already: the agent is checking that passcode.
	v.q.answer(func(q uint64) { v.sess.SubmitPasscode(q, p) }, p)
}

func (v *passcodeView) focus(c fyne.Canvas) {
	if c.Focused() != v.entry {
		c.Focus(v.entry)
	}
}

// leave empties the field when another screen takes over (card pulled while
// typing, for instance).
func (v *passcodeView) leave() { v.entry.clear() }

// passEntry is a masked entry that takes only what the rule's charset and
// length allow (a typing aid: the session checks the rule), and offers no
// copy, cut or undo of what was typed.
type passEntry struct {
	widget.Entry
	max    int
	digits bool
}

func newPassEntry() *passEntry {
	e := &passEntry{}
	e.Password = true
	e.PlaceHolder = "Passcode"
	// No "reveal" eye: the workstation is shared and the screen may be seen.
	e.ActionItem = canvas.NewRectangle(color.Transparent)
	e.ExtendBaseWidget(e)
	return e
}

func (e *passEntry) limit(r session.PasscodeRule) {
	e.max, e.digits = r.MaxLength, r.DigitsOnly
}

func (e *passEntry) TypedRune(r rune) {
	if e.digits && (r < '0' || r > '9') {
		return
	}
	if e.max > 0 && e.SelectedText() == "" && utf8.RuneCountInString(e.Text) >= e.max {
		return
	}
	e.Entry.TypedRune(r)
}

func (e *passEntry) TypedShortcut(s fyne.Shortcut) {
	switch s := s.(type) {
	case *fyne.ShortcutPaste:
		if s.Clipboard != nil {
			for _, r := range s.Clipboard.Content() {
				e.TypedRune(r)
			}
		}
	case *fyne.ShortcutCopy, *fyne.ShortcutCut, *fyne.ShortcutUndo, *fyne.ShortcutRedo:
	default:
		e.Entry.TypedShortcut(s)
	}
}

// clear empties the field and its undo history. (The Go string the entry
// held cannot be overwritten; it is dropped for the collector.)
func (e *passEntry) clear() {
	e.SetText("")
}
