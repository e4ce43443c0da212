package osdesktop_test

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session/osdesktop"
)

func start(t *testing.T, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// running reports whether cmd's process has not exited (it is not reaped
// until Wait, so signal 0 would still find a zombie: ask wait4).
func running(cmd *exec.Cmd) bool {
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(cmd.Process.Pid, &ws, syscall.WNOHANG, nil)
	return pid == 0 && err == nil
}

// Exact names only: "wardclient" is closed, "wardclient-helper" and
// "wardclien" are not; a program that ignores SIGTERM is killed after the
// grace period.
func TestCloseApplicationsByExactName(t *testing.T) {
	target := start(t, testkit.NamedProgram(t, "sleep", "wardclient"), "300")
	helper := start(t, testkit.NamedProgram(t, "sleep", "wardclient-helper"), "300")
	prefix := start(t, testkit.NamedProgram(t, "sleep", "wardclien"), "300")
	stubborn := exec.Command(testkit.NamedProgram(t, "sh", "stubborn"), "-c", "trap '' TERM; echo ready; read line")
	out, _ := stubborn.StdoutPipe()
	in, _ := stubborn.StdinPipe() // never written: read waits, in this very process (no fork)
	defer in.Close()
	if err := stubborn.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stubborn.Process.Kill(); stubborn.Wait() })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil { // it ignores SIGTERM from now on
		t.Fatal(err)
	}
	// Start returns once each has exec'd: /proc already shows their names.

	closed, err := osdesktop.Desktop{Grace: 300 * time.Millisecond}.CloseApplications(context.Background(), []string{"wardclient", "stubborn", "not-running"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(closed)
	if !slices.Equal(closed, []string{"stubborn", "wardclient"}) {
		t.Fatalf("closed %v", closed)
	}
	for what, cmd := range map[string]*exec.Cmd{"wardclient": target, "stubborn": stubborn} {
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("%s: %v", what, err)
		}
		ws := exit.Sys().(syscall.WaitStatus)
		want := map[string]syscall.Signal{"wardclient": syscall.SIGTERM, "stubborn": syscall.SIGKILL}[what]
		if !ws.Signaled() || ws.Signal() != want {
			t.Fatalf("%s ended by %v, want %v", what, ws, want)
		}
	}
	if !running(helper) || !running(prefix) {
		t.Fatal("a program with a similar name was closed")
	}
}
