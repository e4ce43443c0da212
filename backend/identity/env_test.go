package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/internal/testkit"
)

// clock is a settable clock shared by the service and the test.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// forEachStore runs fn once on SQLite and once on PostgreSQL.
func forEachStore(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "identityd.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, testkit.Postgres(t)) })
}

type world struct {
	env   *testenv.Env
	clock *clock
	ada   *testenv.Card // ECDSA P-256
	adaR  *testenv.Card // RSA-2048
	sam   *testenv.Card
}

func start(t *testing.T, db string, root *secret.Root) *world {
	t.Helper()
	return startWith(t, db, root, nil)
}

// startWith is start with the configuration adjusted by configure.
func startWith(t *testing.T, db string, root *secret.Root, configure func(*config.Config)) *world {
	t.Helper()
	return startWithOptions(t, db, testenv.Options{Secret: root, Configure: configure})
}

// startWithOptions is start with o (its DB and Clock are the world's).
func startWithOptions(t testing.TB, db string, o testenv.Options) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{clock: &clock{}}
	o.DB, o.Clock = db, w.clock.Now
	env, err := testenv.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("closing: %v", err)
		}
	})
	w.env = env
	if err := demo.Seed(ctx, env.Svc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dst  **testenv.Card
		user string
		rsa  bool
	}{{&w.ada, "555000000001", false}, {&w.adaR, "555000000001", true}, {&w.sam, "555000000002", false}} {
		key, err := testenv.NewKey(c.rsa)
		if err != nil {
			t.Fatal(err)
		}
		if *c.dst, err = env.EnrolCard(ctx, c.user, key); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// errOf is the error of a client call whose answer a test does not read.
func errOf[T any](_ T, err error) error { return err }

// sendRaw sends route, its wildcards filled with values, with net/http
// (through the contract check): for requests the client never makes — a
// malformed body, a header left out. body goes as is, as application/json
// unless header (name, value pairs) says otherwise. A refusal comes back as
// the client returns one, *client.APIError, so wantCode and status read it.
func sendRaw(w *world, route string, values []string, body string, header ...string) error {
	method, path, err := api.Request(route, values...)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := w.env.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var e api.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code == "" {
		return fmt.Errorf("HTTP %d with a body that is not an api.Error (%v)", resp.StatusCode, err)
	}
	return &client.APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
}

// lastAudit is the newest audit record.
func lastAudit(t *testing.T, s store.Store) audit.Record {
	t.Helper()
	ctx := context.Background()
	var rec audit.Record
	err := s.View(ctx, func(r store.Reader) error {
		h, err := r.AuditHead(ctx)
		if err != nil {
			return err
		}
		seq := h.Seq
		recs, err := r.AuditRecords(ctx, seq-1, 1)
		if err != nil || len(recs) != 1 {
			t.Fatalf("reading audit record %d: %v", seq, err)
		}
		rec = recs[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func verifyAudit(t *testing.T, w *world) audit.Summary {
	t.Helper()
	sum, err := w.env.Svc.VerifyAudit(context.Background())
	if err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	return sum
}
