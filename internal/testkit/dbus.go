package testkit

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SessionBus is a private dbus-daemon for one test.
type SessionBus struct {
	Address string // for DBUS_SESSION_BUS_ADDRESS
	Dir     string // holds its socket
}

// StartSessionBus starts a dbus-daemon with the session bus's own
// configuration (only this user may connect) and points this process's
// session bus at it for the test. open lets every user connect and call
// anyone, as a badly configured bus would: for the tests of the agent's
// own caller check.
func StartSessionBus(t testing.TB, open bool) *SessionBus {
	t.Helper()
	return startBus(t, open, "DBUS_SESSION_BUS_ADDRESS")
}

// StartSystemBus starts a dbus-daemon that stands for the system bus (anyone
// may connect and own names: a test service plays logind there) and points
// this process's system bus at it for the test.
func StartSystemBus(t testing.TB) *SessionBus {
	t.Helper()
	return startBus(t, true, "DBUS_SYSTEM_BUS_ADDRESS")
}

func startBus(t testing.TB, open bool, envVar string) *SessionBus {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if Required() {
			t.Fatalf("dbus-daemon missing: make deps installs it")
		}
		t.Skip("dbus-daemon missing: run make deps")
	}
	dir, err := os.MkdirTemp("", "cardagent-bus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{"--session", "--nofork", "--print-address=1", "--address=unix:path=" + filepath.Join(dir, "bus")}
	// Reachable by all: the bus's own rules decide who may connect (a real
	// session bus's socket sits in the user's 0700 runtime directory too).
	os.Chmod(dir, 0o755)
	if open {
		conf := filepath.Join(dir, "open.conf")
		os.WriteFile(conf, []byte(strings.Replace(openBusConfig, "SOCKET", filepath.Join(dir, "bus"), 1)), 0o644)
		args = []string{"--config-file=" + conf, "--nofork", "--print-address=1"}
	}
	cmd := exec.Command("dbus-daemon", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &SyncBuffer{} // it complains of the fd limit it may not raise
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n') // printed once it listens
	if err != nil {
		cmd.Wait()
		t.Fatalf("dbus-daemon did not start: %v\n%s", err, logs.String())
	}
	b := &SessionBus{Address: strings.TrimSpace(addr), Dir: dir}
	t.Setenv(envVar, b.Address)
	return b
}

const openBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=SOCKET</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
