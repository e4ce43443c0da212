package loadtest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/server"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// BenchUser is the demo user every bench card belongs to.
const BenchUser = "555000000001"

// Fixture is a prepared database: demo data, terms accepted, cards enrolled.
type Fixture struct {
	DB     string
	Secret *secret.Root
	Cards  []*testenv.Card
	Pin    string // the CA's fingerprint, for client.Config.CAPin
}

// Prepare seeds db with seed and enrols n ECDSA P-256 software cards for
// BenchUser.
func Prepare(ctx context.Context, db string, n int, seed func(context.Context, *identity.Service) error) (*Fixture, error) {
	f := &Fixture{DB: db, Secret: secret.Generate()}
	cfg := config.Default()
	cfg.DB = db
	st, err := testenv.OpenStore(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	svc, err := identity.New(ctx, cfg, identity.WithSecret(f.Secret), identity.WithStore(st))
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	if err := seed(ctx, svc); err != nil {
		return nil, err
	}
	// Terms accepted up front: the bench measures login + role.
	err = st.Update(ctx, func(tx store.Tx) error {
		t, err := tx.LatestTerms(ctx)
		if err != nil {
			return err
		}
		return tx.AcceptTerms(ctx, BenchUser, t.Version, time.Now())
	})
	if err != nil {
		return nil, err
	}
	for range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		guid := make([]byte, 16)
		rand.Read(guid)
		pair, err := svc.EnrolCard(ctx, "bench", BenchUser, guid, identity.CardKeys{Authentication: key.Public(), Signature: key.Public()})
		if err != nil {
			return nil, err
		}
		f.Cards = append(f.Cards, &testenv.Card{GUID: guid, Key: key, Cert: pair.Authentication, UserID: BenchUser})
	}
	f.Pin = svc.CA().Fingerprint()
	return f, nil
}

// Environment variables of the server child process.
const (
	childEnvDB      = "CARDAGENT_BENCH_CHILD_DB"
	childEnvSecret  = "IDENTITYD_SECRET"
	childEnvProfile = "CARDAGENT_BENCH_CHILD_CPUPROFILE"
	childEnvRenewal = "CARDAGENT_BENCH_CHILD_RENEWALS"
)

// ServerOptions are the knobs of the server child.
type ServerOptions struct {
	CPUProfile string // non-empty: the child writes a CPU profile there
	// Renewals makes every card renewable again and again: the renewal
	// window is the validity less 1 ms, and no renewal is the RA's.
	Renewals bool
}

// Server is identityd serving f's database in a child process (the bench
// binary re-executed), so its CPU time can be measured apart from the load
// generator's.
type Server struct {
	URL   string
	Pid   int
	cmd   *exec.Cmd
	stdin io.Closer
	out   *bufio.Reader
	// Batches is what the child's store writer ran (group commit), known
	// after Stop.
	Batches sqlstore.GroupCommitStats
}

// StartServer re-executes the current binary in server mode. The binary's
// main must call MaybeServeChild first.
func StartServer(f *Fixture, o ServerOptions) (*Server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnvDB+"="+f.DB, childEnvSecret+"="+f.Secret.Encode(), childEnvProfile+"="+o.CPUProfile)
	if o.Renewals {
		cmd.Env = append(cmd.Env, childEnvRenewal+"=1")
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "URL ") {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("server child did not start: %q %v", line, err)
	}
	return &Server{URL: strings.TrimSpace(line[4:]), Pid: cmd.Process.Pid, cmd: cmd, stdin: stdin, out: out}, nil
}

// CPU is the server's CPU time so far.
func (s *Server) CPU() (time.Duration, error) { return ProcessCPU(s.Pid) }

// Stop closes the child's stdin (its signal to shut down) and waits.
func (s *Server) Stop() error {
	s.stdin.Close()
	done := make(chan error, 1)
	go func() {
		// The child's last line: what its store writer ran.
		if line, err := s.out.ReadString('\n'); err == nil {
			fmt.Sscanf(line, "BATCHES %d %d %d", &s.Batches.Batches, &s.Batches.Functions, &s.Batches.Largest)
		}
		done <- s.cmd.Wait()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("server child did not stop in 30 s")
	}
}

// MaybeServeChild serves and exits when this process is a server child.
func MaybeServeChild() {
	db := os.Getenv(childEnvDB)
	if db == "" {
		return
	}
	root, err := secret.Parse(os.Getenv(childEnvSecret))
	if err == nil {
		err = serveChild(db, root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serveChild(db string, root *secret.Root) error {
	server.TuneGC() // as identityd serve does
	o := testenv.Options{DB: db, Secret: root}
	if os.Getenv(childEnvRenewal) == "1" {
		o.Configure = func(c *config.Config) {
			c.Policy.RenewalWindow = c.Policy.CertificateValidity - time.Millisecond
			c.Policy.RenewalsBeforeRA = 1 << 30
		}
	}
	b, err := testenv.Start(context.Background(), o)
	if err != nil {
		return err
	}
	if path := os.Getenv(childEnvProfile); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("URL %s\n", b.URL)
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
	var st sqlstore.GroupCommitStats
	if db, ok := b.Store.(interface {
		GroupCommitStats() sqlstore.GroupCommitStats
	}); ok {
		st = db.GroupCommitStats()
	}
	err = b.Close()
	fmt.Printf("BATCHES %d %d %d\n", st.Batches, st.Functions, st.Largest)
	return err
}
