package testkit

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", for Sessions on PostgreSQL
	_ "modernc.org/sqlite"             // "sqlite", for Sessions on SQLite
)

// Identityd is a real identityd process on loopback with the demo data
// seeded and one enrolled demo card per demo user in CardDir.
type Identityd struct {
	URL     string // https://127.0.0.1:PORT
	Pin     string // CA fingerprint to pin
	Dir     string // data directory (SQLite store, secret)
	DB      string // the store: sqlite:PATH or postgres://…
	CardDir string // demo card enrolments (demo.LoadEnrolment)
	Logs    *SyncBuffer
	cmd     *exec.Cmd
	bin     string
	common  []string // the store's flags, for every subcommand
	args    []string // serve's, but for -listen
}

// Demo users seeded by `identityd demo`.
const (
	DemoClinician = "555000000001" // Dr Ada Demo: two roles
	DemoRA        = "555000000002" // Sam Demo (RA)
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binary builds (once per test process) one of the repo's commands and
// returns its path.
func Binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "cardagent-bin-")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	pkg := "./cmd/" + name
	if strings.Contains(name, "/") { // a path in the repository, such as examples/wardnotes
		pkg, name = "./"+name, filepath.Base(name)
	}
	path := filepath.Join(binDir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", path, pkg)
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return path
}

var (
	listenRE = regexp.MustCompile(`listening on (https://\S+)`)
	pinRE    = regexp.MustCompile(`CA fingerprint \(SHA-256[^)]*\): ([0-9A-Fa-f:]+)`)
)

// StartIdentityd seeds a fresh SQLite store with the demo data and serves it
// until the test ends. serveFlags go to `identityd serve` (policy knobs).
func StartIdentityd(t testing.TB, serveFlags ...string) *Identityd {
	t.Helper()
	return StartIdentitydOn(t, "", serveFlags...)
}

// StartIdentitydOn is StartIdentityd on the given store ("" for a fresh
// SQLite file, or a postgres:// URL such as Postgres returns).
func StartIdentitydOn(t testing.TB, db string, serveFlags ...string) *Identityd {
	t.Helper()
	bin := Binary(t, "identityd")
	dir := t.TempDir()
	if db == "" {
		db = "sqlite:" + filepath.Join(dir, "identityd.db")
	}
	common := []string{"-data-dir", dir, "-db", db, "-secret-file", filepath.Join(dir, "secret")}
	d := &Identityd{Dir: dir, DB: db, CardDir: filepath.Join(dir, "cards"), Logs: &SyncBuffer{}}
	seed := exec.Command(bin, append([]string{"demo", "-card-dir", d.CardDir}, common...)...)
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("identityd demo: %v\n%s", err, out)
	}
	d.bin, d.common, d.args = bin, common, append(append([]string{"serve"}, common...), serveFlags...)
	d.serve(t, "127.0.0.1:0")
	t.Cleanup(d.Stop)
	return d
}

// Admin runs an identityd subcommand (say "card", "lock", "-guid", …) on
// the running store, as an administrator at the server does, and returns
// its output.
func (d *Identityd) Admin(t testing.TB, args ...string) string {
	t.Helper()
	n := 1
	for n < len(args) && !strings.HasPrefix(args[n], "-") {
		n++
	}
	full := append(append(append([]string(nil), args[:n]...), d.common...), args[n:]...)
	out, err := exec.Command(d.bin, full...).CombinedOutput()
	if err != nil {
		t.Fatalf("identityd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Restart stops identityd and serves the same store again on the same
// address: the backend was down for a while.
func (d *Identityd) Restart(t testing.TB) {
	t.Helper()
	d.Stop()
	d.Start(t)
}

// Start serves again after Stop, on the same address.
func (d *Identityd) Start(t testing.TB) {
	t.Helper()
	url, pin := d.URL, d.Pin
	d.serve(t, strings.TrimPrefix(url, "https://"))
	if d.URL != url || d.Pin != pin {
		t.Fatalf("identityd came back as %s (pin %s), was %s (pin %s)", d.URL, d.Pin, url, pin)
	}
}

// serve starts `identityd serve` on listen and waits until it is ready.
func (d *Identityd) serve(t testing.TB, listen string) {
	t.Helper()
	d.URL, d.Pin = "", ""
	d.cmd = exec.Command(d.bin, append(append([]string(nil), d.args...), "-listen", listen)...)
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stderr = d.Logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan error, 1)
	go func(ready chan error) {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			d.Logs.Write([]byte(line + "\n"))
			if m := listenRE.FindStringSubmatch(line); m != nil {
				d.URL = m[1]
			}
			if m := pinRE.FindStringSubmatch(line); m != nil {
				d.Pin = m[1]
			}
			if d.URL != "" && d.Pin != "" && ready != nil {
				ready <- nil
				ready = nil
			}
		}
		if ready != nil {
			ready <- fmt.Errorf("identityd exited before it was ready:\n%s", d.Logs.String())
		}
	}(ready)
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("identityd not ready within 30 s:\n%s", d.Logs.String())
	}
}

// Sessions counts the store's sessions by state (active, suspended,
// ended), read straight from its database.
func (d *Identityd) Sessions(t testing.TB) map[string]int {
	t.Helper()
	driver, dsn := "pgx", d.DB
	if path, ok := strings.CutPrefix(d.DB, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT state, count(*) FROM sessions GROUP BY state")
	if err != nil {
		t.Fatalf("reading the sessions of %s: %v", d.DB, err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var state string
		var c int
		if err := rows.Scan(&state, &c); err != nil {
			t.Fatal(err)
		}
		n[state] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// Stop ends identityd gracefully (SIGTERM), then kills it after 10 s.
func (d *Identityd) Stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
	d.cmd = nil
}
