package session_test

import (
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/vcard"
)

// pinStatus asks the card itself, as any other program could, whether the
// PIN is verified: an empty VERIFY answers 9000 then, 63Cx (tries) if not.
func pinStatus(t *testing.T, c *sessiontest.Card) uint16 {
	t.Helper()
	for _, cmd := range [][]byte{
		{0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00},
		{0x00, 0x20, 0x00, 0x80},
	} {
		resp, err := c.Transmit(cmd)
		if err != nil {
			t.Fatal(err)
		}
		r, err := apdu.ParseResponse(resp)
		if err != nil {
			t.Fatal(err)
		}
		if cmd[1] == 0x20 {
			return r.SW
		}
	}
	return 0
}

// The card holds the passcode verified only inside the login transaction:
// once logged in, and after Lock and Logout, another program finds it not
// verified. A card that cannot drop it by command is reset instead.
func TestCardForgetsThePasscodeAfterEachLogin(t *testing.T) {
	for _, c := range []struct {
		name   string
		opts   vcard.Options
		resets int
	}{
		{"VERIFY P1=FF", vcard.Options{}, 0},
		{"no P1=FF: reset", vcard.Options{NoPINReset: true}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, session.Config{})
			card := newTestCardWith(t, c.opts, "Pat", "414141414141", twoYears)
			r.loginAs(card, "123456", 0)
			if sw := pinStatus(t, card); sw != 0x63C3 {
				t.Fatalf("during the session an empty VERIFY answers %04X, want 63C3 (not verified, 3 tries)", sw)
			}
			if resets := card.Conn().Resets(); resets != c.resets {
				t.Fatalf("%d transactions ended with a reset, want %d", resets, c.resets)
			}
			r.Agent.Lock()
			r.WaitScreen(session.ScreenPasscode)
			if sw := pinStatus(t, card); sw != 0x63C3 {
				t.Fatalf("after Lock: %04X", sw)
			}
			r.Submit([]byte("123456"))
			if s := r.WaitFor("roles or active", func(s session.State) bool { return s.Screen == session.ScreenRoles || s.Screen == session.ScreenActive }); s.Screen == session.ScreenRoles {
				r.SelectRole(0)
				r.WaitScreen(session.ScreenActive)
			}
			r.Agent.Logout()
			r.WaitFor("logged out", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Active == nil })
			if sw := pinStatus(t, card); sw != 0x63C3 {
				t.Fatalf("after Logout: %04X", sw)
			}
		})
	}
}
