package ui

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// fakeSession records intents and hands out a State channel the test feeds.
type fakeSession struct {
	states chan session.State

	mu        sync.Mutex
	intents   []string
	passcodes [][]byte
	questions []uint64
	answers   []string // question ids and answers, as sent
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
func (f *fakeSession) Lock()         { f.record("Lock") }
func (f *fakeSession) Logout()       { f.record("Logout") }
func (f *fakeSession) Retry()        { f.record("Retry") }
func (f *fakeSession) Quit()         { f.record("Quit") }
func (f *fakeSession) Renew()        { f.record("Renew") }
func (f *fakeSession) CloseRenewal() { f.record("CloseRenewal") }
func (f *fakeSession) SubmitRenewalPasscode(q uint64, p []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, p)
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	f.record("SubmitRenewalPasscode")
}

func (f *fakeSession) ChangePasscode()      { f.record("ChangePasscode") }
func (f *fakeSession) ClosePasscodeChange() { f.record("ClosePasscodeChange") }
func (f *fakeSession) SubmitPasscodeChange(q uint64, current, next, again []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, current, next, again)
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	f.record("SubmitPasscodeChange")
}

func (f *fakeSession) StartUnlock() { f.record("StartUnlock") }
func (f *fakeSession) CloseUnlock() { f.record("CloseUnlock") }
func (f *fakeSession) SubmitUnlockCode(q uint64, code []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, code)
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	f.record("SubmitUnlockCode")
}
func (f *fakeSession) SubmitUnlockPasscode(q uint64, next, again []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, next, again)
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	f.record("SubmitUnlockPasscode")
}

func (f *fakeSession) SubmitUnlockAnswers(q uint64, answers []string) {
	f.mu.Lock()
	f.questions = append(f.questions, q)
	f.answers = append(f.answers, answers...)
	f.mu.Unlock()
	f.record("SubmitUnlockAnswers")
}
func (f *fakeSession) OpenQuestions()  { f.record("OpenQuestions") }
func (f *fakeSession) CloseQuestions() { f.record("CloseQuestions") }
func (f *fakeSession) SubmitQuestions(q uint64, ids, answers []string, passcode []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, passcode)
	f.questions = append(f.questions, q)
	f.answers = append(f.answers, ids...)
	f.answers = append(f.answers, answers...)
	f.mu.Unlock()
	f.record("SubmitQuestions")
}
func (f *fakeSession) SubmitQuestionsCode(q uint64, code []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, code)
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	f.record("SubmitQuestionsCode")
}

func (f *fakeSession) OpenAdmin() { f.record("OpenAdmin") }
func (f *fakeSession) StartAdminAction(a session.AdminAction) {
	f.record("StartAdminAction:" + string(a))
}
func (f *fakeSession) CloseAdmin() { f.record("CloseAdmin") }
func (f *fakeSession) SubmitAdminForm(q uint64, checked bool, reason string, first, second []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, first, second)
	f.questions = append(f.questions, q)
	f.answers = append(f.answers, fmt.Sprint(checked), reason)
	f.mu.Unlock()
	f.record("SubmitAdminForm")
}

func (f *fakeSession) SubmitEnrolForm(q uint64, userID string, checked bool, reason string, first, second []byte) {
	f.mu.Lock()
	f.passcodes = append(f.passcodes, first, second)
	f.questions = append(f.questions, q)
	f.answers = append(f.answers, userID, fmt.Sprint(checked), reason)
	f.mu.Unlock()
	f.record("SubmitEnrolForm")
}

func (f *fakeSession) SubmitPositionForm(q uint64, pf session.PositionForm) {
	f.mu.Lock()
	f.questions = append(f.questions, q)
	f.answers = append(f.answers, pf.UserID, pf.Role, pf.LastDay, fmt.Sprint(pf.IdentityChecked), pf.Reason)
	f.mu.Unlock()
	f.record("SubmitPositionForm")
}
func (f *fakeSession) EndPosition(id string) { f.record("EndPosition:" + id) }
func (f *fakeSession) SubmitAuditForm(q uint64, af session.AuditForm) {
	f.mu.Lock()
	f.questions = append(f.questions, q)
	f.answers = append(f.answers, af.User, af.Card, af.Admin, af.From, af.To)
	f.mu.Unlock()
	f.record("SubmitAuditForm")
}
func (f *fakeSession) AuditOlder()  { f.record("AuditOlder") }
func (f *fakeSession) BackInAdmin() { f.record("BackInAdmin") }

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

// samplePhoto is a small JPEG "facial image": a head and shoulders. JPEG,
// not PNG: a PIV card's facial image is JPEG or JPEG 2000, and reader/piv
// takes nothing else off the card.
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
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 100})
	return b.Bytes()
}

// The samples: one State per screen, each from a real session.Agent driven
// through session/sessiontest to that screen, so they are what the session
// publishes and cannot drift from it. What must stay the same for the golden
// files (names, UUIDs, GUIDs, the photo, roles, terms, the clock, the
// certificate dates) comes from the fake backend and the cards' enrolments.

const (
	sampleReader = "Alcor Micro AU9540 00 00"
	demoReader   = "Virtual PCD 00 00"
	samplePIN    = "123456" // vcard's factory passcode
	wrongPIN     = "000000"
)

// samplePolicy is the samples' organisation: passcodes of 4 to 8 characters.
var samplePolicy = api.Policy{PasscodeMinLength: 4, PasscodeMaxLength: 8}

var sampleTerms = api.Terms{Version: 3, Text: strings.TrimSpace(`
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

var sampleRoles = []api.Role{
	{ID: "R8000", Name: "Clinical Practitioner Access Role", OrganisationID: "RR8", OrganisationName: "Leeds Teaching Hospitals NHS Trust (RR8)"},
	{ID: "R8003", Name: "Health Professional Access Role", OrganisationID: "RR8", OrganisationName: "Leeds Teaching Hospitals NHS Trust (RR8)"},
	{ID: "R8008", Name: "Admin/Clinical Support Access Role", OrganisationID: "TAD", OrganisationName: "Bradford District Care NHS Foundation Trust (TAD)"},
}

// manyRoles is each of sampleRoles at three organisations.
func manyRoles() []api.Role {
	var rs []api.Role
	for _, org := range []struct{ id, name string }{
		{"RR8", "Leeds Teaching Hospitals NHS Trust (RR8)"},
		{"RCF", "Airedale NHS Foundation Trust (RCF)"},
		{"RCD", "Harrogate and District NHS Foundation Trust — Community Services Directorate (RCD)"},
	} {
		for _, r := range sampleRoles {
			rs = append(rs, api.Role{ID: r.ID, Name: r.Name, OrganisationID: org.id, OrganisationName: org.name})
		}
	}
	return rs
}

// amara is the card of most samples; her certificate ends at notAfter.
func amara(t testing.TB, notAfter time.Time) *sessiontest.Card {
	return sessiontest.NewCard(t, sessiontest.Enrolment{
		Name: "Dr Amara Okafor", UUID: "555000123456", NotAfter: notAfter,
		GUID: guid(t, "0b6c1f3e9a4d4e6f8a1b2c3d4e5f6071"), Photo: samplePhoto(),
	})
}

var farAway = loginTime.AddDate(2, 0, 0) // a certificate far from expiry

func guid(t testing.TB, s string) (g [16]byte) {
	if b, err := hex.DecodeString(s); err != nil || len(b) != 16 {
		t.Fatalf("bad GUID %q", s)
	} else {
		copy(g[:], b)
	}
	return g
}

// sampleRun is one Agent of a sample on the fakes: the samples' policy,
// roles and terms, and the clock at loginTime.
type sampleRun struct {
	*sessiontest.Driver
	t    testing.TB
	card *sessiontest.Card // the card in the sample reader, where a sample keeps it
}

// run starts it; set adjusts the backend first.
func run(t testing.TB, cfg session.Config, set func(b *sessiontest.Backend)) *sampleRun {
	t.Helper()
	b := sessiontest.NewBackend()
	b.Rules, b.Roles, b.Terms = samplePolicy, sampleRoles, sampleTerms
	if set != nil {
		set(b)
	}
	cfg.Now = func() time.Time { return loginTime }
	if cfg.Reminders == nil {
		cfg.Reminders = sessiontest.RemindedAlready{} // the popup opens when a sample asks for it
	}
	return &sampleRun{Driver: sessiontest.Start(t, cfg, sessiontest.Options{Backend: b}), t: t}
}

// renewing is Amara's active session 23 days before expiry, renewal
// offered; hold, when set, holds the renewal at its certificate request.
func renewing(t testing.TB, hold *sessiontest.Gate) *sampleRun {
	r := run(t, session.Config{}, func(b *sessiontest.Backend) {
		b.Cert = api.CertificateStatus{DaysLeft: 23, ExpiryAlert: true, SelfRenewalAllowed: true}
		b.Clock = func() time.Time { return loginTime }
		b.RenewalGate = hold
	})
	r.login(amara(t, loginTime.AddDate(0, 0, 23)), 0)
	return r
}

// in connects the reader and puts c in it.
func (r *sampleRun) in(readerName string, c *sessiontest.Card) {
	r.Readers.Add(readerName)
	r.WaitScreen(session.ScreenInsertCard)
	r.Insert(readerName, c)
}

// prompt waits for the passcode prompt with the rule of the policy and the
// card checked (or not, with the backend's CA unknown).
func (r *sampleRun) prompt(verified bool) session.State {
	r.t.Helper()
	rule := r.Backend.Rules
	return r.WaitFor("passcode prompt", func(s session.State) bool {
		return s.Screen == session.ScreenPasscode && s.Card != nil && s.Card.Verified == verified &&
			s.Rule == session.PasscodeRule{MinLength: rule.PasscodeMinLength, MaxLength: rule.PasscodeMaxLength, DigitsOnly: rule.PasscodeDigitsOnly}
	})
}

// signIn types the passcode on the prompt and waits for what follows it.
func (r *sampleRun) signIn() session.State {
	r.t.Helper()
	r.Submit([]byte(samplePIN))
	return r.WaitFor("signed in", func(s session.State) bool {
		return s.Screen == session.ScreenTerms || s.Screen == session.ScreenRoles || s.Screen == session.ScreenActive
	})
}

// wrong types a wrong passcode and waits for the card's answer.
func (r *sampleRun) wrong() session.State {
	r.t.Helper()
	tries := r.Agent.Current().TriesLeft
	r.Submit([]byte(wrongPIN))
	return r.WaitFor("wrong passcode", func(s session.State) bool {
		return s.Screen == session.ScreenBlocked || s.Screen == session.ScreenPasscode && s.TriesLeft == tries-1
	})
}

// login takes c in the sample reader to the active session in role i.
func (r *sampleRun) login(c *sessiontest.Card, i int) session.State {
	r.t.Helper()
	r.in(sampleReader, c)
	r.prompt(true)
	if s := r.signIn(); s.Screen == session.ScreenRoles {
		r.SelectRole(i)
	}
	return r.WaitScreen(session.ScreenActive)
}

// again pulls the card after a login (the session locks and ends) and puts
// it back: the prompt now shows the photo, which PIV lets the agent read
// only with the passcode, at the first login.
func (r *sampleRun) again(c *sessiontest.Card) session.State {
	r.t.Helper()
	r.Pull(sampleReader)
	r.WaitScreen(session.ScreenLocked)
	r.Insert(sampleReader, c)
	s := r.prompt(true)
	if len(s.Card.Photo) == 0 {
		r.t.Fatal("no photo on the prompt after a login")
	}
	return s
}

// blockedRun is Amara's card blocked by three wrong passcodes.
func blockedRun(t testing.TB, set func(b *sessiontest.Backend)) *sampleRun {
	r := run(t, session.Config{}, set)
	r.card = r.known()
	for s := r.wrong(); s.Screen != session.ScreenBlocked; s = r.wrong() {
	}
	return r
}

// toUnlockPasscode asks for a code and types it: the new passcode screen.
func (r *sampleRun) toUnlockPasscode() session.State {
	r.t.Helper()
	r.Agent.StartUnlock()
	s := r.WaitScreen(session.ScreenUnlockCode)
	r.Agent.SubmitUnlockCode(s.Question, []byte(sessiontest.UnlockCode))
	return r.WaitScreen(session.ScreenUnlockPasscode)
}

// askQuestions is the policy "email+questions", with four questions registered.
func askQuestions(b *sessiontest.Backend) {
	b.Rules.SelfServiceUnlock = "email+questions"
	b.Registered = []string{"q01", "q03", "q04", "q05"}
}

// sampleAnswers are four questions of the fake's catalogue and their answers.
func sampleAnswers() (ids, answers []string) {
	for _, id := range []string{"q01", "q03", "q04", "q05"} {
		ids, answers = append(ids, id), append(answers, sessiontest.QuestionAnswers[id])
	}
	return ids, answers
}

// toQuestionsCode registers four questions: the emailed code's screen.
func (r *sampleRun) toQuestionsCode() session.State {
	r.t.Helper()
	r.Agent.OpenQuestions()
	s := r.WaitScreen(session.ScreenQuestions)
	ids, answers := sampleAnswers()
	r.Agent.SubmitQuestions(s.Question, ids, answers, []byte(samplePIN))
	return r.WaitScreen(session.ScreenQuestionsCode)
}

// adminRoles makes the samples' user a Local Smartcard Administrator.
func adminRoles(b *sessiontest.Backend) {
	b.Roles = []api.Role{{ID: "R8010", Name: "Local Smartcard Administrator", OrganisationID: "RR8",
		OrganisationName: "Leeds Teaching Hospitals NHS Trust (RR8)", Admin: api.AdminLSA}}
}

// raRoles is an administrator's roles: working as an RA.
func raRoles(b *sessiontest.Backend) {
	b.Roles = []api.Role{{ID: "R8020", Name: "Registration Authority Agent", OrganisationID: "RR8",
		OrganisationName: "Leeds Teaching Hospitals NHS Trust (RR8)", Admin: api.AdminRA}}
}

// secondReader is the admin's second reader.
const secondReader = "Identiv uTrust 2700 R 01 00"

// toAdminTarget logs Amara in as an administrator and puts Tom's blocked
// card in the second reader; inScope says whether identityd lets her
// service it.
func toAdminTarget(r *sampleRun, inScope bool) session.State {
	r.t.Helper()
	return adminTarget(r, inScope, true)
}

// adminTarget is toAdminTarget with Tom's card blocked or not.
func adminTarget(r *sampleRun, inScope, blocked bool) session.State {
	r.t.Helper()
	r.login(amara(r.t, farAway), 0)
	tom := sessiontest.NewCard(r.t, sessiontest.Enrolment{Name: "Mr Tom Patel", UUID: "555000765432", NotAfter: farAway,
		GUID: guid(r.t, "7a1c0b9f4e38a6c4d1e2f3a4b5c6d7e8")})
	for range 3 * btoi(blocked) { // blocked by three wrong passcodes
		tom.Transmit([]byte{0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00})
		tom.Transmit([]byte{0x00, 0x20, 0x00, 0x80, 0x08, '0', '0', '0', '0', '0', '0', 0xFF, 0xFF})
	}
	until := farAway
	r.Backend.Set(func(b *sessiontest.Backend) {
		b.AdminCards = map[string]api.AdminCard{"7a1c0b9f4e38a6c4d1e2f3a4b5c6d7e8": {GUID: "7a1c0b9f4e38a6c4d1e2f3a4b5c6d7e8",
			State: api.CardActive, Holder: &api.User{ID: "555000765432", Name: "Mr Tom Patel"}, CertificateNotAfter: &until, InScope: inScope}}
	})
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Readers.Add(secondReader)
	r.Insert(secondReader, tom)
	return r.WaitFor("the card to service", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin != nil && s.Admin.Target != nil && s.Admin.Target.Name != ""
	})
}

// blankTarget logs Amara in as an RA and puts a factory-fresh card in the
// second reader.
func blankTarget(r *sampleRun) session.State {
	r.t.Helper()
	r.login(amara(r.t, farAway), 0)
	r.Backend.Set(func(b *sessiontest.Backend) { b.UnknownCards = true })
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Readers.Add(secondReader)
	r.Insert(secondReader, sessiontest.NewCard(r.t, sessiontest.Enrolment{Blank: true}))
	return r.WaitFor("the card to issue", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin != nil && s.Admin.Target != nil && s.Admin.Target.Name != ""
	})
}

// tomsPositions is the RA's look at Tom's positions, from his card in the
// second reader: two held in the RA's organisation, one ended.
func tomsPositions(r *sampleRun) session.State {
	r.t.Helper()
	ended := loginTime.AddDate(0, -2, 0)
	r.Backend.Set(func(b *sessiontest.Backend) {
		b.HolderName = "Mr Tom Patel"
		b.Positions = map[string][]api.AdminPosition{"555000765432": {
			{ID: "pos-ward", OrganisationID: "RX1", OrganisationName: "Riverside Hospital", Role: "Clinical Practitioner",
				StartsAt: loginTime.AddDate(-3, 0, 0), Active: true},
			{ID: "pos-clerk", OrganisationID: "RX1", OrganisationName: "Riverside Hospital", Role: "Ward Clerk",
				StartsAt: loginTime.AddDate(-4, 0, 0), EndsAt: &ended},
			{ID: "pos-lsa", OrganisationID: "RX1", OrganisationName: "Riverside Hospital", Role: "Local Smartcard Administrator",
				StartsAt: loginTime.AddDate(-1, 0, 0), Active: true},
		}}
	})
	toAdminTarget(r, true)
	r.Agent.StartAdminAction(session.AdminActionPositions)
	s := r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{UserID: "555000765432"})
	return r.WaitScreen(session.ScreenAdminPositions)
}

// sampleTrail is Tom's recent records, newest first.
func sampleTrail() []api.AuditEntry {
	at := func(h, m int) time.Time {
		return loginTime.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	card := "7a1c0b9f4e38a6c4d1e2f3a4b5c6d7e8"
	return []api.AuditEntry{
		{Seq: 90412, At: at(0, 9), Action: "admin.card", Outcome: "ok", UserID: "555000765432", CardGUID: card, WorkstationID: "ra-desk-1",
			AdminID: "555000123456", Detail: "by 555000123456 as Registration Authority Agent at RR8 (session 3f9a): looked at the card"},
		{Seq: 90388, At: at(0, 2), Action: "login", Outcome: "card_locked", UserID: "555000765432", CardGUID: card, WorkstationID: "ward-7-pc-3",
			Detail: "this card is locked: its sessions have ended"},
		{Seq: 88120, At: at(-20, -14), Action: "unlock.complete", Outcome: "ok", UserID: "555000765432", CardGUID: card, WorkstationID: "ward-7-pc-3",
			Detail: "unlocked with the emailed code; PUK rotated"},
		{Seq: 88117, At: at(-20, -16), Action: "unlock.request", Outcome: "ok", UserID: "555000765432", CardGUID: card, WorkstationID: "ward-7-pc-3",
			Detail: "code sent to t***@nhs.net, valid 15 minutes"},
		{Seq: 86001, At: at(-47, -30), Action: "session.role", Outcome: "ok", UserID: "555000765432", CardGUID: card, WorkstationID: "ward-7-pc-3",
			Detail: "Clinical Practitioner at RR8"},
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// known is Amara's card after a first login: its prompt shows the photo.
func (r *sampleRun) known() *sessiontest.Card {
	r.t.Helper()
	c := amara(r.t, farAway)
	r.login(c, 0)
	r.again(c)
	return c
}

// samples is one State per screen, for the tests and the previews, each
// made by its drive on a session of its own (sample caches them).
var samples = []struct {
	name  string
	drive func(t testing.TB) session.State
}{
	{"starting", func(t testing.TB) session.State {
		return run(t, session.Config{}, nil).WaitScreen(session.ScreenStarting)
	}},
	{"no-service", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.Readers.Send(reader.Event{Kind: reader.ServiceLost, Err: errors.New("pcscd is not running")})
		return r.WaitScreen(session.ScreenNoService)
	}},
	{"no-reader", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.Readers.Send(reader.Event{Kind: reader.ServiceBack}) // pcscd runs, and no reader follows
		return r.WaitScreen(session.ScreenNoReader)
	}},
	{"insert-card", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.Readers.Add(sampleReader)
		return r.WaitScreen(session.ScreenInsertCard)
	}},
	{"reading-card", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		c := amara(t, farAway)
		c.Hold(r.Gate()) // the card read waits until the sample is taken
		r.in(sampleReader, c)
		return r.WaitScreen(session.ScreenReadingCard)
	}},
	{"card-problem", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.in(sampleReader, sessiontest.NewCard(t, sessiontest.Enrolment{Blank: true})) // no login certificate
		return r.WaitScreen(session.ScreenCardProblem)
	}},
	{"passcode", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.known()
		return r.prompt(true)
	}},
	{"passcode-wrong", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) {
			b.Rules = api.Policy{PasscodeMinLength: 6, PasscodeMaxLength: 8, PasscodeDigitsOnly: true}
		})
		r.known()
		r.wrong()
		return r.wrong()
	}},
	{"blocked", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.known()
		s := r.wrong()
		for s.Screen != session.ScreenBlocked { // three wrong passcodes lock the card
			s = r.wrong()
		}
		return s
	}},
	{"unlock-code", func(t testing.TB) session.State {
		r := blockedRun(t, nil)
		r.Agent.StartUnlock()
		s := r.WaitScreen(session.ScreenUnlockCode)
		r.Agent.SubmitUnlockCode(s.Question, []byte("11112222"))
		return r.WaitFor("a wrong code", func(n session.State) bool {
			return n.Screen == session.ScreenUnlockCode && n.Question != s.Question
		})
	}},
	{"unlock-passcode", func(t testing.TB) session.State {
		r := blockedRun(t, nil)
		return r.toUnlockPasscode()
	}},
	{"unlocking", func(t testing.TB) session.State {
		r := blockedRun(t, nil)
		s := r.toUnlockPasscode()
		r.card.Hold(r.Gate()) // the card work waits until the sample is taken
		r.Agent.SubmitUnlockPasscode(s.Question, []byte("24681357"), []byte("24681357"))
		return r.WaitFor("unlocking the card", func(n session.State) bool {
			return n.Screen == session.ScreenUnlocking && n.Working == wording.UnlockingCard
		})
	}},
	{"unlocked", func(t testing.TB) session.State {
		r := blockedRun(t, nil)
		s := r.toUnlockPasscode()
		r.Agent.SubmitUnlockPasscode(s.Question, []byte("24681357"), []byte("24681357"))
		return r.WaitScreen(session.ScreenUnlocked)
	}},
	{"unlock-failed", func(t testing.TB) session.State {
		r := blockedRun(t, func(b *sessiontest.Backend) {
			b.FailUnlock = &client.APIError{Status: 403, Code: api.CodeUnlockNotAvailable}
		})
		r.Agent.StartUnlock()
		return r.WaitScreen(session.ScreenUnlockFailed)
	}},
	{"unlock-questions", func(t testing.TB) session.State {
		r := blockedRun(t, askQuestions)
		r.Agent.StartUnlock()
		s := r.WaitScreen(session.ScreenUnlockQuestions)
		r.Agent.SubmitUnlockAnswers(s.Question, []string{"Rover", "Mill Road"})
		return r.WaitFor("wrong answers", func(n session.State) bool {
			return n.Screen == session.ScreenUnlockQuestions && n.Question != s.Question
		})
	}},
	{"unlock-face-to-face", func(t testing.TB) session.State {
		r := blockedRun(t, askQuestions)
		r.Agent.StartUnlock()
		for {
			s := r.WaitFor("the questions", func(s session.State) bool {
				return s.Screen == session.ScreenUnlockQuestions || s.Screen == session.ScreenUnlockFailed
			})
			if s.Screen == session.ScreenUnlockFailed {
				return s
			}
			r.Agent.SubmitUnlockAnswers(s.Question, []string{"Rover", "Mill Road"})
			r.WaitFor("the answer", func(n session.State) bool { return n.Question != s.Question })
		}
	}},
	{"unlock-no-questions", func(t testing.TB) session.State {
		r := blockedRun(t, func(b *sessiontest.Backend) { b.Rules.SelfServiceUnlock = "email+questions" })
		r.Agent.StartUnlock()
		return r.WaitScreen(session.ScreenUnlockFailed)
	}},
	{"questions", func(t testing.TB) session.State {
		r := run(t, session.Config{}, askQuestions)
		r.login(amara(t, farAway), 0)
		r.Agent.OpenQuestions()
		return r.WaitScreen(session.ScreenQuestions)
	}},
	{"questions-code", func(t testing.TB) session.State {
		r := run(t, session.Config{}, askQuestions)
		r.login(amara(t, farAway), 0)
		return r.toQuestionsCode()
	}},
	{"questions-saved", func(t testing.TB) session.State {
		r := run(t, session.Config{}, askQuestions)
		r.login(amara(t, farAway), 0)
		s := r.toQuestionsCode()
		r.Agent.SubmitQuestionsCode(s.Question, []byte(sessiontest.UnlockCode))
		return r.WaitScreen(session.ScreenQuestionsSaved)
	}},
	{"questions-failed", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) {
			askQuestions(b)
			b.FailQuestions = &client.APIError{Status: 429, Code: api.CodeQuestionsRateLimited}
		})
		r.login(amara(t, farAway), 0)
		r.Agent.OpenQuestions()
		s := r.WaitScreen(session.ScreenQuestions)
		ids, answers := sampleAnswers()
		r.Agent.SubmitQuestions(s.Question, ids, answers, []byte(samplePIN))
		return r.WaitScreen(session.ScreenQuestionsFailed)
	}},
	{"active-admin", func(t testing.TB) session.State {
		r := run(t, session.Config{}, adminRoles)
		return r.login(amara(t, farAway), 0)
	}},
	{"admin-insert", func(t testing.TB) session.State {
		r := run(t, session.Config{}, adminRoles)
		r.login(amara(t, farAway), 0)
		r.Agent.OpenAdmin()
		return r.WaitScreen(session.ScreenAdmin)
	}},
	{"admin", func(t testing.TB) session.State {
		return toAdminTarget(run(t, session.Config{}, adminRoles), true)
	}},
	{"admin-unlock", func(t testing.TB) session.State {
		r := run(t, session.Config{}, adminRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionUnlock)
		s := r.WaitScreen(session.ScreenAdminForm)
		r.Agent.SubmitAdminForm(s.Question, false, "", []byte("24681357"), []byte("24681357"))
		return r.WaitFor("the check first", func(n session.State) bool {
			return n.Screen == session.ScreenAdminForm && n.Question != s.Question
		})
	}},
	{"admin-done", func(t testing.TB) session.State {
		r := run(t, session.Config{}, adminRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionUnlock)
		s := r.WaitScreen(session.ScreenAdminForm)
		r.Agent.SubmitAdminForm(s.Question, true, "forgot passcode, seen with staff badge", []byte("24681357"), []byte("24681357"))
		return r.WaitScreen(session.ScreenAdminDone)
	}},
	{"admin-ra", func(t testing.TB) session.State {
		return toAdminTarget(run(t, session.Config{}, raRoles), true)
	}},
	{"admin-repair", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionRepair)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-renew", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		adminTarget(r, true, false)
		r.Agent.StartAdminAction(session.AdminActionRenew)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-cancel", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionCancel)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-repaired", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionRepair)
		s := r.WaitScreen(session.ScreenAdminForm)
		r.Agent.SubmitAdminForm(s.Question, true, "cannot log in, seen with staff badge", []byte("24681357"), []byte("24681357"))
		return r.WaitScreen(session.ScreenAdminDone)
	}},
	{"admin-blank", func(t testing.TB) session.State {
		return blankTarget(run(t, session.Config{}, raRoles))
	}},
	{"admin-enrol", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		blankTarget(r)
		r.Agent.StartAdminAction(session.AdminActionEnrol)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-enrolled", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		blankTarget(r)
		r.Agent.StartAdminAction(session.AdminActionEnrol)
		s := r.WaitScreen(session.ScreenAdminForm)
		r.Agent.SubmitEnrolForm(s.Question, "555000765432", true, "new starter, passport seen", []byte("24681357"), []byte("24681357"))
		return r.WaitScreen(session.ScreenAdminDone)
	}},
	{"admin-positions", func(t testing.TB) session.State {
		return tomsPositions(run(t, session.Config{}, raRoles))
	}},
	{"admin-positions-user", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionPositions)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-grant", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		tomsPositions(r)
		r.Agent.StartAdminAction(session.AdminActionGrant)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-end-position", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		tomsPositions(r)
		r.Agent.EndPosition("pos-ward")
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-position-ended", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		tomsPositions(r)
		r.Agent.EndPosition("pos-ward")
		s := r.WaitScreen(session.ScreenAdminForm)
		r.Agent.SubmitPositionForm(s.Question, session.PositionForm{IdentityChecked: true, Reason: "left the trust on Friday"})
		return r.WaitFor("ended", func(s session.State) bool { return s.Screen == session.ScreenAdminPositions && s.Hint != "" })
	}},
	{"admin-audit-search", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		toAdminTarget(r, true)
		r.Agent.StartAdminAction(session.AdminActionAudit)
		return r.WaitScreen(session.ScreenAdminForm)
	}},
	{"admin-audit", func(t testing.TB) session.State {
		r := run(t, session.Config{}, raRoles)
		toAdminTarget(r, true)
		r.Backend.Set(func(b *sessiontest.Backend) { b.AuditRecords = sampleTrail() })
		r.Agent.StartAdminAction(session.AdminActionAudit)
		s := r.WaitScreen(session.ScreenAdminForm)
		r.Agent.SubmitAuditForm(s.Question, session.AuditForm{User: "555000765432"})
		return r.WaitScreen(session.ScreenAdminAudit)
	}},
	{"admin-out-of-scope", func(t testing.TB) session.State {
		return toAdminTarget(run(t, session.Config{}, adminRoles), false)
	}},
	{"signing-in", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.known()
		g := r.Gate() // the backend's login waits until the sample is taken
		r.Backend.Set(func(b *sessiontest.Backend) { b.LoginGate = g })
		r.Submit([]byte(samplePIN))
		return r.WaitScreen(session.ScreenSigningIn)
	}},
	{"terms", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) { b.TermsRequired = true })
		r.in(sampleReader, amara(t, farAway))
		r.prompt(true)
		return r.signIn()
	}},
	{"roles", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		c := amara(t, farAway)
		r.login(c, 1) // the role used last here is preselected next time
		r.again(c)
		return r.signIn()
	}},
	{"active", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) {
			b.Cert = api.CertificateStatus{DaysLeft: 23, ExpiryAlert: true, SelfRenewalAllowed: true}
		})
		return r.login(amara(t, loginTime.AddDate(0, 0, 23)), 0)
	}},
	{"renew-passcode", func(t testing.TB) session.State {
		r := renewing(t, nil)
		r.Agent.Renew()
		return r.WaitScreen(session.ScreenRenewPasscode)
	}},
	{"renewing", func(t testing.TB) session.State {
		hold := sessiontest.NewGate()
		t.Cleanup(hold.Open)
		r := renewing(t, hold)
		r.Agent.Renew()
		r.WaitScreen(session.ScreenRenewPasscode)
		r.SubmitRenewal([]byte(samplePIN))
		return r.WaitFor("requesting", func(s session.State) bool {
			return s.Screen == session.ScreenRenewing && s.Renewing == session.RenewRequesting
		})
	}},
	{"renewed", func(t testing.TB) session.State {
		r := renewing(t, nil)
		r.Agent.Renew()
		r.WaitScreen(session.ScreenRenewPasscode)
		r.SubmitRenewal([]byte(samplePIN))
		return r.WaitScreen(session.ScreenRenewed)
	}},
	{"renew-failed", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) {
			b.Cert = api.CertificateStatus{DaysLeft: 5, ExpiryAlert: true, RenewalRefusal: api.RenewalRADue}
		})
		r.login(amara(t, loginTime.AddDate(0, 0, 5)), 0)
		r.Agent.Renew()
		return r.WaitScreen(session.ScreenRenewFailed)
	}},
	{"change-passcode", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.login(amara(t, farAway), 0)
		r.Agent.ChangePasscode()
		s := r.WaitScreen(session.ScreenChangePasscode)
		r.SubmitPasscodeChange(wrongPIN, "24681357", "24681357")
		return r.WaitFor("a wrong current passcode", func(n session.State) bool {
			return n.Screen == session.ScreenChangePasscode && n.Question != s.Question
		})
	}},
	{"changing-passcode", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		c := amara(t, farAway)
		r.login(c, 0)
		r.Agent.ChangePasscode()
		r.WaitScreen(session.ScreenChangePasscode)
		c.Hold(r.Gate()) // the change waits on the card until the sample is taken
		r.SubmitPasscodeChange(samplePIN, "24681357", "24681357")
		return r.WaitScreen(session.ScreenChangingPasscode)
	}},
	{"passcode-changed", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.login(amara(t, farAway), 0)
		r.Agent.ChangePasscode()
		r.WaitScreen(session.ScreenChangePasscode)
		r.SubmitPasscodeChange(samplePIN, "24681357", "24681357")
		return r.WaitScreen(session.ScreenPasscodeChanged)
	}},
	{"passcode-change-blocked", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.login(amara(t, farAway), 0)
		r.Agent.ChangePasscode()
		for {
			s := r.WaitFor("the popup", func(s session.State) bool {
				return s.Screen == session.ScreenChangePasscode || s.Screen == session.ScreenPasscodeChangeFailed
			})
			if s.Screen == session.ScreenPasscodeChangeFailed {
				return s
			}
			r.SubmitPasscodeChange(wrongPIN, "24681357", "24681357")
			r.WaitFor("the answer", func(n session.State) bool { return n.Question != s.Question })
		}
	}},
	{"active-ra", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) {
			b.Cert = api.CertificateStatus{DaysLeft: 5, ExpiryAlert: true, RenewalRefusal: api.RenewalRADue}
		})
		return r.login(amara(t, loginTime.AddDate(0, 0, 5)), 0)
	}},
	{"locked", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.login(amara(t, farAway), 0)
		r.Pull(sampleReader)
		return r.WaitScreen(session.ScreenLocked)
	}},
	{"backend-error", func(t testing.TB) session.State {
		r := run(t, session.Config{}, nil)
		r.known()
		r.Backend.Set(func(b *sessiontest.Backend) { b.FailChallenge = sessiontest.ErrDown })
		r.Submit([]byte(samplePIN))
		return r.WaitScreen(session.ScreenBackendError)
	}},
	{"demo-insert", func(t testing.TB) session.State {
		r := run(t, session.Config{Demo: true}, nil)
		r.Readers.Add(demoReader)
		return r.WaitScreen(session.ScreenInsertCard)
	}},
	{"passcode-no-photo", func(t testing.TB) session.State {
		r := run(t, session.Config{Demo: true, DemoHint: "Demo card: the passcode is " + samplePIN + "."}, func(b *sessiontest.Backend) {
			b.Rules = api.Policy{PasscodeMinLength: 6, PasscodeMaxLength: 6, PasscodeDigitsOnly: true}
		})
		r.in(demoReader, sessiontest.NewCard(t, sessiontest.Enrolment{
			Name: "Professor Bartholomew Featherstonehaugh-Cholmondeley", UUID: "555000999999", NotAfter: farAway,
			GUID: guid(t, "5d2e7a1c0b9f4e38a6c4d1e2f3a4b5c6"),
		}))
		r.prompt(true)
		return r.wrong()
	}},
	{"passcode-unverified", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) { b.NoCA = true })
		r.in(sampleReader, sessiontest.NewCard(t, sessiontest.Enrolment{
			Name: "Dr Amara Okafor", UUID: "555000123456", NotAfter: farAway,
			GUID: guid(t, "3f1c0d2e9a8b47c6b5d4e3f2a1b0c9d8"),
		}))
		return r.prompt(false)
	}},
	{"roles-many", func(t testing.TB) session.State {
		r := run(t, session.Config{}, func(b *sessiontest.Backend) { b.Roles = manyRoles() })
		c := amara(t, farAway)
		r.login(c, 6)
		r.again(c)
		return r.signIn()
	}},
}

var (
	samplesMu   sync.Mutex
	sampleCache = map[string]session.State{}
)

// sample is the State of the named sample, made on first use (its agent
// runs until the test that first asked ends; the State is a copy).
func sample(t testing.TB, name string) session.State {
	t.Helper()
	samplesMu.Lock()
	defer samplesMu.Unlock()
	if st, ok := sampleCache[name]; ok {
		return st
	}
	for _, s := range samples {
		if s.name == name {
			st := s.drive(t)
			sampleCache[name] = st
			return st
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
