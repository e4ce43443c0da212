package testkit

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Required reports whether `make test` set up the rigs, in which case a rig
// that does not start is a failure, not a reason to skip.
func Required() bool { return os.Getenv("CARDAGENT_RIGS") == "1" }

// RepoRoot returns the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// PCSC is a private pcscd whose vpcd readers listen on Port and Port+1.
type PCSC struct {
	Dir    string
	Port   int
	Socket string
}

// Reader names as pcscd gives them to the two vpcd slots.
const (
	Reader0 = "Virtual PCD 00 00"
	Reader1 = "Virtual PCD 00 01"
)

// StartPCSC starts a rig on a free port pair and points this process's
// PC/SC client at it. Tests call it through MainWithPCSC.
func StartPCSC() (*PCSC, error) {
	dir, err := os.MkdirTemp("", "cardagent-pcsc-")
	if err != nil {
		return nil, err
	}
	port, err := freePortPair()
	if err != nil {
		return nil, err
	}
	p := &PCSC{Dir: dir, Port: port, Socket: filepath.Join(dir, "run", "pcscd", "pcscd.comm")}
	if err := p.Start(); err != nil {
		return nil, err
	}
	os.Setenv("PCSCLITE_CSOCK_NAME", p.Socket)
	return p, nil
}

// Start (re)starts pcscd in the rig's directory.
func (p *PCSC) Start() error {
	out, err := exec.Command(filepath.Join(RepoRoot(), "scripts", "pcsc-rig.sh"), "start", p.Dir, strconv.Itoa(p.Port)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("starting pcscd: %v: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "export PCSCLITE_CSOCK_NAME="); ok {
			p.Socket = v
		}
	}
	return nil
}

// Stop stops pcscd (SIGTERM, then SIGKILL after 5 s).
func (p *PCSC) Stop() error {
	out, err := exec.Command(filepath.Join(RepoRoot(), "scripts", "pcsc-rig.sh"), "stop", p.Dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stopping pcscd: %v: %s", err, out)
	}
	return nil
}

// Kill kills pcscd with SIGKILL, as a crash would.
func (p *PCSC) Kill() error {
	b, err := os.ReadFile(filepath.Join(p.Dir, "pcscd.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	if err := proc.Kill(); err != nil {
		return err
	}
	_, _ = proc.Wait()
	return os.Remove(filepath.Join(p.Dir, "pcscd.pid"))
}

// Close stops pcscd and removes the rig's directory.
func (p *PCSC) Close() error {
	err := p.Stop()
	return errors.Join(err, os.RemoveAll(p.Dir))
}

// VPCDAddr is the address a virtual card dials to sit in reader slot (0 or 1).
func (p *PCSC) VPCDAddr(slot int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port+slot))
}

// ReaderName is the PC/SC name of reader slot (0 or 1).
func (p *PCSC) ReaderName(slot int) string {
	if slot == 1 {
		return Reader1
	}
	return Reader0
}

// MainWithPCSC is the TestMain of a package whose tests need PC/SC: it
// starts a rig, hands it (or why it did not start) to use, runs the tests,
// closes the rig and exits with the tests' code.
//
// The rig must start before any PC/SC call: pcsc-lite's client library reads
// PCSCLITE_CSOCK_NAME once per process, so a test binary talks to one pcscd
// for its whole life. Tests restart that pcscd in place (same socket, same
// ports) to test recovery.
func MainWithPCSC(m *testing.M, use func(*PCSC, error)) {
	p, err := StartPCSC()
	if err != nil {
		fmt.Fprintln(os.Stderr, "PC/SC rig:", err)
	}
	use(p, err)
	code := m.Run()
	if p != nil {
		p.Close()
	}
	os.Exit(code)
}

// Need skips t (or fails it under `make test`) when the rig did not start.
func Need(t testing.TB, rigErr error) {
	t.Helper()
	if rigErr == nil {
		return
	}
	if Required() {
		t.Fatalf("the PC/SC rig did not start: %v", rigErr)
	}
	t.Skipf("no PC/SC rig (%v); `make test` starts one", rigErr)
}

// freePortPair finds two consecutive free TCP ports on loopback.
func freePortPair() (int, error) {
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port >= 65535 {
			continue
		}
		l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1))
		if err != nil {
			continue
		}
		l2.Close()
		return port, nil
	}
	return 0, errors.New("no free port pair")
}
