package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// fakeSession records intents and hands out a State channel the test feeds.
type fakeSession struct {
	states chan session.State

	mu        sync.Mutex
	intents   []string
	passcodes [][]byte
	questions []uint64
	roles     []int
	cancelled bool
}

func newFakeSession() *fakeSession { return &fakeSession{states: make(chan session.State)} }

func (f *fakeSession) Subscribe() (<-chan session.State, func()) {
	return f.states, func() {
		f.mu.Lock()
		f.cancelled = true
		f.mu.Unlock()
	}
}

func (f *fakeSession) record(intent string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.intents = append(f.intents, intent)
}

func (f *fakeSession) SubmitPasscode(q uint64, p []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, p)
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	f.record("SubmitPasscode")
}
func (f *fakeSession) AcceptTerms(uint64)  { f.record("AcceptTerms") }
func (f *fakeSession) DeclineTerms(uint64) { f.record("DeclineTerms") }
func (f *fakeSession) SelectRole(_ uint64, i int) {
	f.mu.Lock()
	f.roles = append(f.roles, i)
	f.mu.Unlock()
	f.record("SelectRole")
}
func (f *fakeSession) Lock()   { f.record("Lock") }
func (f *fakeSession) Logout() { f.record("Logout") }
func (f *fakeSession) Retry()  { f.record("Retry") }
func (f *fakeSession) Quit()   { f.record("Quit") }

func (f *fakeSession) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.intents...)
}

// fixedNow is the test clock: 1 h 02 min 03 s into sampleActive's session.
var (
	loginTime = time.Date(2025, 3, 4, 8, 30, 0, 0, time.UTC)
	fixedNow  = loginTime.Add(time.Hour + 2*time.Minute + 3*time.Second)
)

// newTestUI is a UI on a headless test app with a fake session and a fixed
// clock, at the given window size.
func newTestUI(t *testing.T, size fyne.Size) (*UI, *fakeSession) {
	t.Helper()
	a := test.NewTempApp(t)
	f := newFakeSession()
	u := New(a, f)
	u.now = func() time.Time { return fixedNow }
	u.win.Resize(size)
	return u, f
}

var (
	normalSize = fyne.NewSize(1280, 800)
	smallSize  = fyne.NewSize(800, 600)
)

// samplePhoto is a small PNG "facial image": a head and shoulders.
func samplePhoto() []byte {
	const w, h = 90, 112
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	bg := color.NRGBA{0xD8, 0xE4, 0xEE, 0xFF}
	skin := color.NRGBA{0xC6, 0x8E, 0x6A, 0xFF}
	shirt := color.NRGBA{0x00, 0x5E, 0xB8, 0xFF}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bg
			dx, dy := float64(x-w/2), float64(y-44)
			if dx*dx/(20*20)+dy*dy/(25*25) <= 1 {
				c = skin
			}
			sx, sy := float64(x-w/2), float64(y-h)
			if sx*sx/(42*42)+sy*sy/(36*36) <= 1 {
				c = shirt
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

var sampleCard = &session.CardHolder{
	Verified: true,
	Name:     "Dr Amara Okafor",
	UUID:     "555000123456",
	Photo:    samplePhoto(),
	GUID:     "0b6c1f3e9a4d4e6f8a1b2c3d4e5f6071",
}

var sampleRule = session.PasscodeRule{MinLength: 4, MaxLength: 8}

var sampleTerms = &session.Terms{Version: 3, Text: strings.TrimSpace(`
Terms and conditions of smartcard use

1. Your smartcard and passcode are for your use only. Do not share your card or tell anyone your passcode, and do not let anyone else use a session you have started.

2. Remove your smartcard whenever you leave the workstation. Removing the card locks your session at once.

3. You may only access patient information where you have a legitimate relationship with the patient and your role permits it. Every access is recorded.

4. Report a lost or stolen card to your Registration Authority straight away so that it can be cancelled.

5. Keep your card away from heat, liquids and magnets, and do not bend, punch or write on it.

6. Your certificates are renewed on the card when they are due. You will be told at login when they expire soon.

7. Breach of these terms may lead to your access being withdrawn and to disciplinary action under your employer's policies.

8. These terms may change; you will be asked to accept the new version at your next login.
`)}

var sampleRoles = []session.Role{
	{ID: "R8000", Name: "Clinical Practitioner Access Role", Organisation: "Leeds Teaching Hospitals NHS Trust (RR8)"},
	{ID: "R8003", Name: "Health Professional Access Role", Organisation: "Leeds Teaching Hospitals NHS Trust (RR8)"},
	{ID: "R8008", Name: "Admin/Clinical Support Access Role", Organisation: "Bradford District Care NHS Foundation Trust (TAD)"},
}

var sampleActive = &session.Active{
	User:         "Dr Amara Okafor",
	UUID:         "555000123456",
	Role:         "Clinical Practitioner Access Role",
	Organisation: "Leeds Teaching Hospitals NHS Trust (RR8)",
	Since:        loginTime,
}

// samples is one State per screen, for the tests and the previews.
var samples = []struct {
	name string
	st   session.State
}{
	{"starting", session.State{Screen: session.ScreenStarting}},
	{"no-service", session.State{Screen: session.ScreenNoService,
		Prompt: trouble(wording.NoService)}},
	{"no-reader", session.State{Screen: session.ScreenNoReader,
		Prompt: trouble(wording.NoReader)}},
	{"insert-card", session.State{Screen: session.ScreenInsertCard, Reader: "Alcor Micro AU9540 00 00"}},
	{"reading-card", session.State{Screen: session.ScreenReadingCard, Reader: "Alcor Micro AU9540 00 00"}},
	{"card-problem", session.State{Screen: session.ScreenCardProblem, Reader: "Alcor Micro AU9540 00 00",
		Prompt: trouble(wording.NoLoginCert)}},
	{"passcode", session.State{Screen: session.ScreenPasscode, Question: 7, Reader: "Alcor Micro AU9540 00 00",
		Card: sampleCard, TriesLeft: 3, Rule: sampleRule}},
	{"passcode-wrong", session.State{Screen: session.ScreenPasscode, Question: 7, Reader: "Alcor Micro AU9540 00 00",
		Card: sampleCard, TriesLeft: 1, Rule: session.PasscodeRule{MinLength: 6, MaxLength: 8, DigitsOnly: true},
		Prompt: session.Prompt{Message: wording.WrongPasscode(1)}}},
	{"blocked", session.State{Screen: session.ScreenBlocked, Reader: "Alcor Micro AU9540 00 00", Card: sampleCard,
		Prompt: trouble(wording.Blocked)}},
	{"signing-in", session.State{Screen: session.ScreenSigningIn, Reader: "Alcor Micro AU9540 00 00", Card: sampleCard}},
	{"terms", session.State{Screen: session.ScreenTerms, Question: 7, Card: sampleCard, Prompt: session.Prompt{Terms: sampleTerms}}},
	{"roles", session.State{Screen: session.ScreenRoles, Question: 7, Card: sampleCard, Prompt: session.Prompt{Roles: sampleRoles, RoleIndex: 1}}},
	{"active", session.State{Screen: session.ScreenActive, Reader: "Alcor Micro AU9540 00 00", Active: sampleActive,
		Expiry: &session.ExpiryNotice{Login: 1, DaysLeft: 23, NotAfter: loginTime.AddDate(0, 0, 23), CanSelfRenew: true}}},
	{"active-ra", session.State{Screen: session.ScreenActive, Active: sampleActive,
		Expiry: &session.ExpiryNotice{Login: 1, DaysLeft: 5, NotAfter: loginTime.AddDate(0, 0, 5),
			Reason: wording.RenewalRADue}}},
	{"locked", session.State{Screen: session.ScreenLocked, Reader: "Alcor Micro AU9540 00 00", Active: sampleActive}},
	{"backend-error", session.State{Screen: session.ScreenBackendError, Card: sampleCard,
		Prompt: retryable(trouble(wording.Unreachable))}},
	{"demo-insert", session.State{Screen: session.ScreenInsertCard, Demo: true, Reader: "Virtual PCD 00 00"}},
	{"passcode-no-photo", session.State{Screen: session.ScreenPasscode, Question: 7, Demo: true, Reader: "Virtual PCD 00 00",
		Card:      &session.CardHolder{Verified: true, Name: "Professor Bartholomew Featherstonehaugh-Cholmondeley", UUID: "555000999999"},
		TriesLeft: 2, Rule: session.PasscodeRule{MinLength: 6, MaxLength: 6, DigitsOnly: true},
		Prompt: session.Prompt{Message: wording.WrongPasscode(2)}}},
	{"passcode-unverified", session.State{Screen: session.ScreenPasscode, Question: 7, Reader: "Alcor Micro AU9540 00 00",
		Card: &session.CardHolder{GUID: "3f1c0d2e9a8b47c6b5d4e3f2a1b0c9d8"}, TriesLeft: 3, Rule: sampleRule}},
	{"roles-many", session.State{Screen: session.ScreenRoles, Question: 7, Prompt: session.Prompt{Roles: manyRoles(), RoleIndex: 6}}},
}

// trouble is a problem screen's Prompt in the session's own words.
func trouble(t wording.Trouble) session.Prompt { return session.Prompt{Problem: t.Problem, Fix: t.Fix} }

func retryable(p session.Prompt) session.Prompt { p.Retryable = true; return p }

func manyRoles() []session.Role {
	var rs []session.Role
	for _, org := range []string{"Leeds Teaching Hospitals NHS Trust (RR8)", "Airedale NHS Foundation Trust (RCF)", "Harrogate and District NHS Foundation Trust — Community Services Directorate (RCD)"} {
		for _, r := range sampleRoles {
			rs = append(rs, session.Role{ID: r.ID, Name: r.Name, Organisation: org})
		}
	}
	return rs
}

func sample(t *testing.T, name string) session.State {
	t.Helper()
	for _, s := range samples {
		if s.name == name {
			return s.st
		}
	}
	t.Fatalf("no sample %q", name)
	return session.State{}
}

// visibleTexts lists the text of every visible label, button, entry
// placeholder and canvas text under o.
func visibleTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *widget.Label:
			out = append(out, o.Text)
			return
		case *widget.Button:
			out = append(out, o.Text)
			return
		case *canvas.Text:
			out = append(out, o.Text)
			return
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func assertShows(t *testing.T, u *UI, want ...string) {
	t.Helper()
	texts := visibleTexts(u.win.Content())
	for _, w := range want {
		found := false
		for _, s := range texts {
			if strings.Contains(s, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("screen does not show %q; it shows %q", w, texts)
		}
	}
}

func assertHides(t *testing.T, u *UI, unwanted ...string) {
	t.Helper()
	texts := visibleTexts(u.win.Content())
	for _, w := range unwanted {
		for _, s := range texts {
			if strings.Contains(s, w) {
				t.Errorf("screen shows %q (in %q), it should not", w, s)
			}
		}
	}
}

// isShown says whether o is in the visible tree of the window.
func isShown(u *UI, target fyne.CanvasObject) bool {
	var walk func(o fyne.CanvasObject) bool
	walk = func(o fyne.CanvasObject) bool {
		if o == nil || !o.Visible() {
			return false
		}
		if o == target {
			return true
		}
		switch o := o.(type) {
		case *fyne.Container:
			for _, c := range o.Objects {
				if walk(c) {
					return true
				}
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				if walk(c) {
					return true
				}
			}
		}
		return false
	}
	return walk(u.win.Content())
}
