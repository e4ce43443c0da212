//go:build e2e

package e2e

import (
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
)

// TestAgentLoginTerminalRoles runs `login --no-gui` on a real terminal (a
// pty from script(1)) with no --role: the roles come as a numbered list,
// the one chosen is preselected at the next login, and the passcode, read
// without echo, is not in the transcript.
func TestAgentLoginTerminalRoles(t *testing.T) {
	needRig(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("no script(1) for a pty")
	}
	id := testkit.StartIdentityd(t)
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	home := t.TempDir()

	// First login: the terms, then role 2 of the list.
	tty := startOnTTY(t, id, home)
	tty.answer("Passcode (", demoPasscode)
	tty.answer("Accept? [y/N]", "y")
	tty.waitFor("Role [1]: ")
	for _, line := range []string{"* 1. Clinical Practitioner (Demo General Hospital NHS Trust)", "  2. General Medical Practitioner (Sheerwater Demo Health Centre)"} {
		if !strings.Contains(tty.out.String(), line) {
			t.Fatalf("no %q in the list:\n%s", line, tty.out.String())
		}
	}
	tty.answer("Role [1]: ", "2")
	tty.waitFor(`"role": "General Medical Practitioner"`)
	tty.wait()

	// Second login here: the last role is preselected; Enter takes it.
	tty = startOnTTY(t, id, home)
	tty.answer("Passcode (", demoPasscode)
	tty.waitFor("Role [2]: ")
	if !strings.Contains(tty.out.String(), "* 2. General Medical Practitioner") {
		t.Fatalf("the last role is not marked:\n%s", tty.out.String())
	}
	tty.answer("Role [2]: ", "")
	tty.waitFor(`"role": "General Medical Practitioner"`)
	tty.wait()
}

// ttyAgent is `cardagent login --no-gui --once` on a pty, its transcript
// collected as it comes.
type ttyAgent struct {
	t    *testing.T
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *testkit.SyncBuffer
	logs *testkit.SyncBuffer
	done chan error
}

func startOnTTY(t *testing.T, id *testkit.Identityd, home string) *ttyAgent {
	t.Helper()
	agent, logs := agentCmd(t, id, "login", "--no-gui", "--once")
	line := make([]string, len(agent.Args))
	for i, a := range agent.Args {
		line[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// script gives the agent a pty for stdin/stdout/stderr; its own output is the transcript.
	cmd := exec.Command("script", "-qfec", strings.Join(line, " "), "/dev/null")
	cmd.Env = append(agent.Env, "HOME="+home, "XDG_CONFIG_HOME="+home+"/.config")
	a := &ttyAgent{t: t, cmd: cmd, out: &testkit.SyncBuffer{}, logs: logs, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = a.out, a.out
	var err error
	if a.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if strings.Contains(a.out.String(), demoPasscode) {
			t.Error("the passcode is in the terminal transcript (echoed)")
		}
	})
	return a
}

// waitFor waits until the transcript holds s (the prompt is there).
func (a *ttyAgent) waitFor(s string) {
	a.t.Helper()
	for end := time.Now().Add(30 * time.Second); !a.out.Contains(s); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			a.t.Fatalf("no %q on the terminal:\n%s", s, a.out.String())
		}
	}
}

// answer types line once prompt is shown (typing ahead of an echo-off
// prompt would echo it).
func (a *ttyAgent) answer(prompt, line string) {
	a.t.Helper()
	a.waitFor(prompt)
	if _, err := io.WriteString(a.in, line+"\r"); err != nil {
		a.t.Fatal(err)
	}
}

// wait waits for the agent to log out and exit (--once).
func (a *ttyAgent) wait() {
	a.t.Helper()
	select {
	case err := <-a.done:
		if err != nil {
			a.t.Fatalf("agent: %v\n%s", err, a.out.String())
		}
	case <-time.After(30 * time.Second):
		a.t.Fatalf("agent still running:\n%s", a.out.String())
	}
}
