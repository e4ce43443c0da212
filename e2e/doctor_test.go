//go:build e2e

package e2e

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
	"github.com/cardagent/cardagent/session/doctor"
)

// buildCmd builds one of the repo's commands into the test's temp dir.
func buildCmd(t testing.TB, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/"+name)
	cmd.Dir = testkit.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

func runDoctor(t *testing.T, bin string) (doctor.Report, int) {
	t.Helper()
	cmd := exec.Command(bin, "doctor", "--json")
	cmd.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var r doctor.Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("doctor --json printed %q: %v", out, err)
	}
	return r, code
}

func TestDoctor(t *testing.T) {
	needRig(t)
	bin := buildCmd(t, "cardagent")
	_, ch := startMonitor(t)

	card, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t)
	ca.enrol(t, card, time.Now().AddDate(2, 0, 0))
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	r, code := runDoctor(t, bin)
	if code != 0 || !r.Usable {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	var found *doctor.CardReport
	for _, rr := range r.Readers {
		if rr.Name == rig.ReaderName(0) {
			found = rr.Card
		}
	}
	guid := card.GUID()
	if found == nil || found.GUID != hex.EncodeToString(guid[:]) || found.TriesLeft == nil || *found.TriesLeft != 3 {
		t.Fatalf("card report %+v", found)
	}
	if len(found.Certificates) != 2 || !strings.Contains(found.Certificates[0].Subject, "Alice Example") || found.Certificates[0].DaysLeft < 700 {
		t.Fatalf("certificates %+v", found.Certificates)
	}

	// Asking used no try.
	if r, _ := runDoctor(t, bin); *r.Readers[0].Card.TriesLeft != 3 {
		t.Fatal("doctor used a passcode try")
	}
}

func TestDoctorNoService(t *testing.T) {
	needRig(t)
	bin := buildCmd(t, "cardagent")
	if err := rig.Stop(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rig.Start(); err != nil {
			t.Fatal(err)
		}
	}()
	r, code := runDoctor(t, bin)
	if code != 1 || r.Service.OK || !strings.Contains(r.Fix, "pcscd") {
		t.Fatalf("exit %d, report %+v", code, r)
	}
}

// The doctor checks the backend over TLS pinned to its CA: the right pin
// passes, a wrong one is reported as such (with the fix), and a stopped
// backend as unreachable.
func TestDoctorBackend(t *testing.T) {
	needRig(t)
	bin := buildCmd(t, "cardagent")
	id := testkit.StartIdentityd(t)
	run := func(pin string) (doctor.Report, int) {
		cmd := exec.Command(bin, "doctor", "--json", "--config", "", "--backend", id.URL, "--ca-pin", pin)
		cmd.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		var r doctor.Report
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("doctor printed %q: %v", out, err)
		}
		return r, code
	}
	if r, _ := run(id.Pin); r.Backend == nil || !r.Backend.OK {
		t.Fatalf("right pin: %+v", r.Backend)
	}
	wrong := strings.Repeat("AB:", 31) + "AB"
	r, code := run(wrong)
	if r.Backend == nil || r.Backend.OK || !strings.Contains(r.Backend.Fix, "ca-pin") || code != 1 {
		t.Fatalf("wrong pin: exit %d, %+v", code, r.Backend)
	}
	id.Stop()
	if r, _ := run(id.Pin); r.Backend == nil || r.Backend.OK || !strings.Contains(r.Backend.Problem, "cannot be reached") {
		t.Fatalf("stopped backend: %+v", r.Backend)
	}
}
