package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Test services for the desktop's screen lock: logind on the system bus,
// org.freedesktop.ScreenSaver on the session bus (StartSystemBus and
// StartSessionBus give the buses).

// DesktopCalls records the methods the test services answered, in order.
type DesktopCalls struct {
	mu    sync.Mutex
	names []string
	seen  chan struct{} // receives after each call
}

func newDesktopCalls() *DesktopCalls { return &DesktopCalls{seen: make(chan struct{}, 64)} }

func (c *DesktopCalls) add(s string) {
	c.mu.Lock()
	c.names = append(c.names, s)
	c.mu.Unlock()
	select {
	case c.seen <- struct{}{}:
	default:
	}
}

// String lists the calls, space-separated ("GetSessionByPID Session.Lock").
func (c *DesktopCalls) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.names, " ")
}

// Seen receives after each call: wait on it instead of sleeping.
func (c *DesktopCalls) Seen() <-chan struct{} { return c.seen }

// Logind is the test logind: Manager.GetSessionByPID (for the PIDs in
// PIDs, or any when empty), Manager.GetSession, and Session.Lock on one
// session, which Refuse makes fail as polkit would.
type Logind struct {
	Calls   *DesktopCalls
	Session dbus.ObjectPath
	mu      sync.Mutex
	refuse  bool
	byID    bool
}

// LogindOptions shape a test logind.
type LogindOptions struct {
	Refuse   bool // Session.Lock fails (polkit refuses)
	OnlyByID bool // GetSessionByPID knows no process (an agent outside the session); GetSession does
}

// StartLogind owns org.freedesktop.login1 on this process's system bus.
func StartLogind(t testing.TB, o LogindOptions) *Logind {
	t.Helper()
	l := &Logind{Calls: newDesktopCalls(), Session: "/org/freedesktop/login1/session/_31", refuse: o.Refuse, byID: o.OnlyByID}
	conn := ownName(t, dbus.ConnectSystemBus, "org.freedesktop.login1")
	conn.Export(logindManager{l}, "/org/freedesktop/login1", "org.freedesktop.login1.Manager")
	conn.Export(logindSession{l}, l.Session, "org.freedesktop.login1.Session")
	return l
}

type logindManager struct{ l *Logind }

func (m logindManager) GetSessionByPID(pid uint32) (dbus.ObjectPath, *dbus.Error) {
	m.l.Calls.add("GetSessionByPID")
	if m.l.byID {
		return "", dbus.NewError("org.freedesktop.login1.NoSessionForPID", []any{"PID does not belong to any known session"})
	}
	return m.l.Session, nil
}

func (m logindManager) GetSession(id string) (dbus.ObjectPath, *dbus.Error) {
	m.l.Calls.add("GetSession:" + id)
	return m.l.Session, nil
}

type logindSession struct{ l *Logind }

func (s logindSession) Lock() *dbus.Error {
	if s.l.refuse {
		s.l.Calls.add("Session.Lock refused")
		return dbus.NewError("org.freedesktop.DBus.Error.AccessDenied", []any{"polkit says no"})
	}
	s.l.Calls.add("Session.Lock")
	return nil
}

// StartScreenSaver owns org.freedesktop.ScreenSaver on this process's
// session bus, answering Lock at /org/freedesktop/ScreenSaver.
func StartScreenSaver(t testing.TB) *DesktopCalls {
	t.Helper()
	c := newDesktopCalls()
	conn := ownName(t, dbus.ConnectSessionBus, "org.freedesktop.ScreenSaver")
	conn.Export(screenSaver{c}, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver")
	return c
}

type screenSaver struct{ c *DesktopCalls }

func (s screenSaver) Lock() *dbus.Error { s.c.add("ScreenSaver.Lock"); return nil }

// ownName connects and owns name until the test ends.
func ownName(t testing.TB, connect func(...dbus.ConnOption) (*dbus.Conn, error), name string) *dbus.Conn {
	t.Helper()
	conn, err := connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v %v", name, reply, err)
	}
	return conn
}

// NamedProgram copies the system's program from (looked up in PATH) to a
// file called name, so its processes run under that executable name.
func NamedProgram(t testing.TB, from, name string) string {
	t.Helper()
	src, err := exec.LookPath(from)
	if err != nil {
		t.Fatalf("%s missing: %v", from, err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// StartDesktopBuses gives the test a system bus and a session bus of its
// own, for the desktop's test services, and no XDG_SESSION_ID: a desktop
// session as logind alone knows it.
func StartDesktopBuses(t *testing.T) {
	t.Helper()
	StartSystemBus(t)
	StartSessionBus(t, false)
	t.Setenv("XDG_SESSION_ID", "")
}
