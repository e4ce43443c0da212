package localapi_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
	"github.com/cardagent/cardagent/session/sessiontest"
)

// served runs a real agent on sessiontest's fakes, served on the test's own
// session bus, and returns it with a client once the name is owned.
func served(t *testing.T, open bool) (*sessiontest.Driver, *localapi.Client, *testkit.SyncBuffer, *testkit.SessionBus) {
	t.Helper()
	bus := testkit.StartSessionBus(t, open)
	logs := &testkit.SyncBuffer{}
	d := sessiontest.Start(t, session.Config{Mode: session.ModeSLP, Logger: slog.New(slog.NewTextHandler(logs, nil))}, sessiontest.Options{})
	d.Readers.Add("Reader 0")
	d.WaitScreen(session.ScreenInsertCard)
	conn := connect(t)
	served := make(chan error, 1)
	go func() {
		served <- localapi.Serve(context.Background(), conn, d.Agent, slog.New(slog.NewTextHandler(logs, nil)))
	}()
	t.Cleanup(func() {
		d.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	c, err := localapi.Dial()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	waitOwned(t, conn)
	return d, c, logs, bus
}

func connect(t *testing.T) *dbus.Conn {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitOwned returns once the agent owns its name (asked of the bus).
func waitOwned(t *testing.T, conn *dbus.Conn) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		var has bool
		if conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, localapi.BusName).Store(&has) == nil && has {
			return
		}
	}
	t.Fatal("the agent did not take its bus name")
}

func next(t *testing.T, states <-chan session.LocalState, want session.LocalState) {
	t.Helper()
	for {
		select {
		case got, ok := <-states:
			if !ok {
				t.Fatalf("watch ended waiting for %q", want)
			}
			if got == want {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q state within 5 s", want)
		}
	}
}

// The service over a real dbus-daemon: the state signal follows the
// session, a ticket is served only while it is active, the refusals have
// their own names, and the name goes when the agent stops.
func TestServiceFollowsTheSession(t *testing.T) {
	d, c, _, _ := served(t, false)
	ctx := context.Background()
	states, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next(t, states, session.LocalNoSession)
	if _, err := c.Ticket(ctx, "ward-app"); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("before a login: %v", err)
	}

	card := sessiontest.NewCard(t, sessiontest.Enrolment{Name: "Ann Other", UUID: "111122223333", NotAfter: time.Now().AddDate(2, 0, 0)})
	d.LoginAs("Reader 0", card, "123456", 0)
	next(t, states, session.LocalActive)
	st, err := c.Status(ctx)
	if err != nil || st.State != session.LocalActive || st.Name != "Ann Other" || st.UUID != "111122223333" || st.Role != "Clinical Practitioner" || st.Organisation == "" {
		t.Fatalf("status while active: %+v %v", st, err)
	}
	tk, err := c.Ticket(ctx, "ward-app")
	if err != nil || !strings.HasSuffix(tk.Assertion, "/ward-app") || time.Until(tk.ExpiresAt) < 4*time.Minute {
		t.Fatalf("ticket while active: %+v %v", tk, err)
	}
	if _, err := c.Ticket(ctx, "ward app!"); !errors.Is(err, session.ErrBadAudience) {
		t.Fatalf("a malformed audience: %v", err)
	}
	d.Backend.Set(func(b *sessiontest.Backend) { b.FailAssertion = sessiontest.ErrDown })
	var refused *localapi.RefusedError
	if _, err := c.Ticket(ctx, "ward-app"); !errors.As(err, &refused) || !strings.Contains(refused.Message, "identityd") {
		t.Fatalf("identityd down: %v", err)
	}
	d.Backend.Set(func(b *sessiontest.Backend) { b.FailAssertion = nil })

	// Only one agent serves a desktop.
	if err := localapi.Serve(ctx, connect(t), d.Agent, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "another cardagent") {
		t.Fatalf("a second agent on the bus: %v", err)
	}

	d.Pull("Reader 0")
	next(t, states, session.LocalLocked)
	if _, err := c.Ticket(ctx, "ward-app"); !errors.Is(err, session.ErrSessionLocked) {
		t.Fatalf("locked: %v", err)
	}
	if st, err := c.Status(ctx); err != nil || st.State != session.LocalLocked || st.Name != "" {
		t.Fatalf("status while locked says %+v %v: nothing but the state", st, err)
	}

	d.Stop()
	next(t, states, session.LocalNoSession)
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, err := c.Ticket(ctx, "ward-app")
		if errors.Is(err, localapi.ErrNoAgent) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("after the agent stopped: %v", err)
		}
	}
}

// Another user on the workstation cannot reach the agent: the session bus
// lets only its owner connect, and on a bus configured to let anyone in
// the agent refuses callers of another uid itself.
func TestOtherUsersAreRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a caller as another user (setpriv)")
	}
	for _, open := range []bool{false, true} {
		name := map[bool]string{false: "session-bus", true: "open-bus"}[open]
		t.Run(name, func(t *testing.T) {
			d, c, logs, bus := served(t, open)
			card := sessiontest.NewCard(t, sessiontest.Enrolment{Name: "Bo Other", UUID: "111122224444", NotAfter: time.Now().AddDate(2, 0, 0)})
			d.LoginAs("Reader 0", card, "123456", 0)
			if _, err := c.Ticket(context.Background(), "ward-app"); err != nil {
				t.Fatalf("the desktop user: %v", err)
			}
			call := func(as ...string) (string, error) {
				args := append(as, "dbus-send", "--bus="+bus.Address, "--print-reply", "--dest="+localapi.BusName,
					string(localapi.Path), localapi.Interface+".GetTicket", "string:ward-app")
				out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
				return string(out), err
			}
			if out, err := call("env"); err != nil || !strings.Contains(out, "assertion/") {
				t.Fatalf("dbus-send as the desktop user: %v %s", err, out)
			}
			out, err := call("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
			if err == nil || strings.Contains(out, "assertion/") {
				t.Fatalf("another user got a ticket: %s", out)
			}
			t.Logf("another user: %s", out)
			if open != strings.Contains(out, localapi.ErrorAccessDenied) || !open && !strings.Contains(out, "Failed to register") {
				t.Fatalf("another user, open bus %v: %s", open, out)
			}
			if open && !logs.Contains("another user was refused") {
				t.Errorf("the refusal was not logged:\n%s", logs.String())
			}
		})
	}
}
