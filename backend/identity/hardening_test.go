package identity_test

import (
	"context"
	"database/sql"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/internal/testkit"
)

// raw is the store's database pool, for tests that change rows behind the
// service's back.
func raw(t *testing.T, w *world) *sql.DB {
	t.Helper()
	r, ok := w.env.Store.(interface{ Raw() *sql.DB })
	if !ok {
		t.Fatal("the store has no Raw pool")
	}
	return r.Raw()
}

// ready logs card in at ws, accepts the terms if due and returns the
// session.
func ready(t *testing.T, w *world, card *testenv.Card, ws string) api.Session {
	t.Helper()
	ctx := context.Background()
	cl := w.env.Client(ws)
	s, err := testenv.Login(ctx, cl, card)
	if err != nil {
		t.Fatal(err)
	}
	if s.TermsRequired {
		if _, err := cl.AcceptTerms(ctx, testenv.Ticket(s), s.Terms.Version); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestCardStateEndsSessions: cancelling or locking a card ends its live
// sessions, the suspended ones too, in the same audited transaction.
func TestCardStateEndsSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		for _, tc := range []struct {
			card   *testenv.Card
			change func(guid []byte) error
			action string
		}{
			{w.ada, func(g []byte) error { return w.env.Svc.LockCard(ctx, "ra-1", g, "passcode blocked") }, "card.lock"},
			{w.adaR, func(g []byte) error { return w.env.Svc.CancelCard(ctx, "ra-1", g, "lost") }, "card.cancel"},
		} {
			atA := w.env.Client("ws-a")
			active := ready(t, w, tc.card, "ws-a")
			if _, err := atA.SelectRole(ctx, testenv.Ticket(active), active.Roles[0].ID); err != nil {
				t.Fatal(err)
			}
			parked := ready(t, w, tc.card, "ws-b")
			if _, err := w.env.Client("ws-b").Suspend(ctx, testenv.Ticket(parked)); err != nil {
				t.Fatal(err)
			}
			other := ready(t, w, w.sam, "ws-c")
			if err := tc.change(tc.card.GUID); err != nil {
				t.Fatal(err)
			}
			for _, s := range []api.Session{active, parked} {
				if got := storedSession(t, w, s.ID); got.State != store.SessionEnded {
					t.Fatalf("%s left session %s %s", tc.action, s.ID, got.State)
				}
			}
			if got := storedSession(t, w, other.ID); got.State != store.SessionActive {
				t.Fatalf("%s of another card ended sam's session: %s", tc.action, got.State)
			}
			rec := lastAudit(t, w.env.Store)
			if rec.Action != tc.action || !strings.Contains(rec.Detail, "ended 2 session(s)") ||
				!strings.Contains(rec.Detail, active.ID) || !strings.Contains(rec.Detail, parked.ID) {
				t.Fatalf("audit record of %s: %+v", tc.action, rec)
			}
			wantCode(t, errOf(atA.SelectRole(ctx, testenv.Ticket(active), active.Roles[1].ID)), http.StatusUnauthorized, api.CodeSessionEnded)
			wantCode(t, errOf(atA.Session(ctx, testenv.Ticket(active))), http.StatusUnauthorized, api.CodeSessionEnded)
		}
		verifyAudit(t, w)
	})
}

// TestCallsRecheckHolder: a session re-checks its card, user and role at
// every call, even when they change behind the service (a card state
// written by another tool, a user disabled, a position that ended).
func TestCallsRecheckHolder(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		cl := w.env.Client("ws-1")
		db0 := raw(t, w)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db0.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		// The position of the chosen role ends: calls in it are refused,
		// choosing another role is not.
		s := testenv.Ticket(ready(t, w, w.ada, "ws-1"))
		if _, err := cl.SelectRole(ctx, s, "demo-ada-gp"); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE positions SET ends_at = $1 WHERE id = 'demo-ada-gp'`, w.clock.Now().Add(-time.Minute).UnixMicro())
		wantCode(t, errOf(cl.Session(ctx, s)), http.StatusForbidden, api.CodeRoleEnded)
		if _, err := cl.SelectRole(ctx, s, "demo-ada-clinician"); err != nil {
			t.Fatalf("choosing a role still held: %v", err)
		}
		if _, err := cl.Session(ctx, s); err != nil {
			t.Fatalf("GET in a role still held: %v", err)
		}
		// The user is disabled.
		exec(`UPDATE users SET disabled = $1 WHERE id = '555000000001'`, true)
		for _, call := range []func() error{
			func() error { return errOf(cl.Session(ctx, s)) },
			func() error { return errOf(cl.SelectRole(ctx, s, "demo-ada-clinician")) },
			func() error { return errOf(cl.Suspend(ctx, s)) },
		} {
			wantCode(t, call(), http.StatusForbidden, api.CodeUserDisabled)
		}
		if rec := lastAudit(t, w.env.Store); rec.Outcome != string(api.CodeUserDisabled) {
			t.Fatalf("refusal not audited: %+v", rec)
		}
		exec(`UPDATE users SET disabled = $1 WHERE id = '555000000001'`, false)
		// The card is locked by a write that bypassed the service.
		exec(`UPDATE cards SET state = 'locked' WHERE guid = $1`, api.FormatCardGUID(w.ada.GUID))
		wantCode(t, errOf(cl.Session(ctx, s)), http.StatusForbidden, api.CodeCardLocked)
		// Ending is always allowed.
		if err := cl.End(ctx, s); err != nil {
			t.Fatalf("end with the card locked: %v", err)
		}
	})
}

// TestSuspendRules: suspend only under Session Lock Persistence, and a
// suspended session answers only resume and end.
func TestSuspendRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		ctx := context.Background()
		root := secret.Generate() // two services on one store share it
		normal := start(t, db, root)
		s := ready(t, normal, normal.ada, "ws-1")
		wantCode(t, errOf(normal.env.Client("ws-1").Suspend(ctx, testenv.Ticket(s))), http.StatusForbidden, api.CodeSuspendNotAllowed)
		if got := storedSession(t, normal, s.ID); got.State != store.SessionActive {
			t.Fatalf("refused suspend left %s", got.State)
		}

		w := startWith(t, db, root, slp)
		cl := w.env.Client("ws-1")
		s = ready(t, w, w.ada, "ws-1")
		tk := testenv.Ticket(s)
		if _, err := cl.Suspend(ctx, tk); err != nil {
			t.Fatal(err)
		}
		wantCode(t, errOf(cl.Session(ctx, tk)), http.StatusConflict, api.CodeSessionSuspended)
		wantCode(t, errOf(cl.SelectRole(ctx, tk, s.Roles[0].ID)), http.StatusConflict, api.CodeSessionSuspended)
		wantCode(t, errOf(cl.AcceptTerms(ctx, tk, 1)), http.StatusConflict, api.CodeSessionSuspended)
		if again, err := cl.Suspend(ctx, tk); err != nil || again.State != api.SessionSuspended {
			t.Fatalf("a retried suspend = %+v, %v", again, err)
		}
		if err := cl.End(ctx, tk); err != nil {
			t.Fatalf("end a suspended session: %v", err)
		}
	})
}

// TestSupersededCertificate: after a renewal only the card's new 9A
// certificate logs in or resumes.
func TestSupersededCertificate(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		cl := w.env.Client("ws-1")
		parked := testenv.Ticket(ready(t, w, w.ada, "ws-1"))
		if _, err := cl.Suspend(ctx, parked); err != nil {
			t.Fatal(err)
		}
		old := *w.ada
		key, _ := testenv.NewKey(false)
		pair, err := w.env.Svc.RenewCard(ctx, "ra-1", w.ada.GUID, identityCardKeys(key), true)
		if err != nil {
			t.Fatal(err)
		}
		renewed := &testenv.Card{GUID: w.ada.GUID, Key: key, Cert: pair.Authentication, UserID: w.ada.UserID}
		_, err = testenv.Login(ctx, cl, &old)
		wantCode(t, err, http.StatusUnauthorized, api.CodeCertificateSuperseded)
		ch, _ := cl.Challenge(ctx)
		p, _ := testenv.Prove(&old, ch, "ws-1")
		_, err = cl.Resume(ctx, parked, p)
		wantCode(t, err, http.StatusUnauthorized, api.CodeCertificateSuperseded)
		if _, err := testenv.Login(ctx, cl, renewed); err != nil {
			t.Fatalf("login with the renewed certificate: %v", err)
		}
	})
}

// TestSweep: sessions that chose no role end after the idle limit, expired
// ones at their lifetime, each audited, and redeemed challenges are
// forgotten — proved by calling the sweep with an advanced clock, not by
// waiting; the sweeper the server runs does the same on its own.
func TestSweep(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		root := secret.Generate() // two services on one store share it
		w := startWith(t, db, root, slp)
		ctx := context.Background()
		idle := ready(t, w, w.ada, "ws-1")
		working := ready(t, w, w.ada, "ws-2")
		if _, err := w.env.Client("ws-2").SelectRole(ctx, testenv.Ticket(working), working.Roles[0].ID); err != nil {
			t.Fatal(err)
		}
		res, err := w.env.Svc.Sweep(ctx)
		if err != nil || res.Idle+res.Expired != 0 {
			t.Fatalf("sweep at once = %+v, %v", res, err)
		}
		w.clock.Advance(6 * time.Minute)
		wantCode(t, errOf(w.env.Client("ws-1").Session(ctx, testenv.Ticket(idle))), http.StatusUnauthorized, api.CodeSessionEnded)
		res, err = w.env.Svc.Sweep(ctx)
		if err != nil || res.Idle != 1 || res.Expired != 0 || res.Challenges < 2 {
			t.Fatalf("sweep after 6 min = %+v, %v", res, err)
		}
		if got := storedSession(t, w, idle.ID); got.State != store.SessionEnded {
			t.Fatalf("idle session %s", got.State)
		}
		if got := storedSession(t, w, working.ID); got.State != store.SessionActive {
			t.Fatalf("session with a role %s", got.State)
		}
		if rec := lastAudit(t, w.env.Store); rec.Action != "session.idle_end" || rec.SessionID != idle.ID {
			t.Fatalf("last audit %+v", rec)
		}
		var left int
		if err := raw(t, w).QueryRowContext(ctx, `SELECT count(*) FROM used_challenges`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("used challenges left: %d, %v", left, err)
		}
		w.clock.Advance(13 * time.Hour)
		if res, err = w.env.Svc.Sweep(ctx); err != nil || res.Expired != 1 {
			t.Fatalf("sweep after the lifetime = %+v, %v", res, err)
		}
		if got := storedSession(t, w, working.ID); got.State != store.SessionEnded {
			t.Fatalf("expired session %s", got.State)
		}
		verifyAudit(t, w)

		// The server's own sweeper: a short interval, then wait for the
		// session to be ended (a presence, polled).
		v := startWith(t, db, root, func(c *config.Config) { c.SweepInterval = 20 * time.Millisecond })
		s := ready(t, v, v.ada, "ws-3")
		v.clock.Advance(6 * time.Minute)
		deadline := time.Now().Add(20 * time.Second)
		for storedSession(t, v, s.ID).State != store.SessionEnded {
			if time.Now().After(deadline) {
				t.Fatal("the server's sweeper did not end the idle session in 20 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// untrusted makes a string of n random bytes: printable ASCII, bytes that
// are not UTF-8, NUL, and multi-byte characters placed across the 64- and
// 128-byte cuts.
func untrusted(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		switch r.IntN(5) {
		case 0:
			b.WriteByte(byte(0x80 + r.IntN(0x80)))
		case 1:
			b.WriteString([]string{"é", "€", "😀", "\x00", "\xf0\x9f"}[r.IntN(5)])
		default:
			b.WriteByte(byte('!' + r.IntN(94)))
		}
	}
	return b.String()
}

// TestUntrustedBytesNo5xx sends a bounded set of generated requests whose
// session-id path and workstation header hold bytes that are not UTF-8,
// NUL and characters cut at the audit columns' limits: every one is refused
// (4xx) and audited, none fails with a 5xx.
func TestUntrustedBytesNo5xx(t *testing.T) {
	const requests = 1500
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		r := rand.New(rand.NewPCG(9, uint64(len(db))))
		real := ready(t, w, w.ada, "ws-1")
		var mu sync.Mutex
		fivexx := map[int]int{}
		var wg sync.WaitGroup
		work := make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					mu.Lock()
					id := untrusted(r, []int{10, 63, 64, 65, 200}[i%5])
					ws := untrusted(r, []int{5, 127, 128, 129, 300}[(i/5)%5])
					mu.Unlock()
					if i%7 == 0 {
						id = real.ID
					}
					method, sub, body := []string{"GET", "DELETE", "PUT", "POST", "POST", "POST"}[i%6], []string{"", "", "/role", "/suspend", "/terms", "/resume"}[i%6], ""
					switch sub {
					case "/role":
						body = `{"role_id":"demo-ada-gp"}`
					case "/terms":
						body = `{"version":1}`
					case "/resume":
						body = `{"nonce":"x","workstation_id":"w","card_guid":"00","certificate":"AA==","signature":"AA=="}`
					}
					req, err := http.NewRequestWithContext(ctx, method, w.env.URL+"/v1/sessions/"+url.PathEscape(id)+sub, strings.NewReader(body))
					if err != nil {
						t.Error(err)
						continue
					}
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+real.Token)
					req.Header.Set(api.WorkstationHeader, strings.Map(func(c rune) rune {
						if c < 0x20 || c == 0x7f {
							return '?' // a client cannot send control bytes in a header
						}
						return c
					}, ws))
					resp, err := w.env.HTTP.Do(req)
					if err != nil {
						t.Errorf("request %d: %v", i, err)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						mu.Lock()
						fivexx[resp.StatusCode]++
						mu.Unlock()
					}
				}
			}()
		}
		for i := range requests {
			work <- i
		}
		close(work)
		wg.Wait()
		n := 0
		for _, c := range fivexx {
			n += c
		}
		t.Logf("%s: %d generated requests, %d answered 5xx %v", db[:6], requests, n, fivexx)
		if n > 0 {
			t.Errorf("%d of %d requests answered 5xx: %v", n, requests, fivexx)
		}
		verifyAudit(t, w)
	})
}

// proxy stands between identityd and PostgreSQL so a test can take the
// database away (every connection cut, new ones refused) and bring it back.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func (p *proxy) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// wantUnavailable checks a 503 unavailable with a Retry-After hint.
func wantUnavailable(t *testing.T, w *world, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"unavailable"`) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s %s with the store down = %d %s (Retry-After %q), want 503 unavailable with Retry-After",
			method, path, resp.StatusCode, b, resp.Header.Get("Retry-After"))
	}
}

// TestStoreOutage: a stopped PostgreSQL, and a SQLite store that takes no
// write, answer 503 unavailable with Retry-After — login and readiness —
// and recover when the store does.
func TestStoreOutage(t *testing.T) {
	ctx := context.Background()
	loginBody := func(t *testing.T, w *world) string {
		ch, err := w.env.Client("ws-1").Challenge(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := testenv.Prove(w.ada, ch, "ws-1")
		b, _ := jsonBytes(api.CreateSessionRequest{CardProof: p})
		return string(b)
	}
	t.Run("postgres stopped", func(t *testing.T) {
		dsn := testkit.Postgres(t)
		u, _ := url.Parse(dsn)
		px := &proxy{addr: "127.0.0.1:0", target: u.Host}
		px.start(t)
		u.Host = px.addr
		w := startWith(t, u.String(), nil, slp)
		if err := sendRaw(w, api.RouteReadyz, nil, ""); err != nil {
			t.Fatalf("readyz with the store up: %v", err)
		}
		body := loginBody(t, w)
		px.stop()
		wantUnavailable(t, w, "POST", "/v1/sessions", body)
		wantUnavailable(t, w, "GET", "/readyz", "")
		px.start(t)
		if _, err := testenv.Login(ctx, w.env.Client("ws-1"), w.ada); err != nil {
			t.Fatalf("login after the store came back: %v", err)
		}
	})
	t.Run("sqlite read-only", func(t *testing.T) {
		w := startWith(t, "sqlite:"+t.TempDir()+"/identityd.db", nil, slp)
		body := loginBody(t, w)
		// The writer pool is one connection: make it refuse writes, as a
		// read-only or full disk would.
		if _, err := raw(t, w).ExecContext(ctx, `PRAGMA query_only = 1`); err != nil {
			t.Fatal(err)
		}
		wantUnavailable(t, w, "GET", "/readyz", "")
		wantUnavailable(t, w, "POST", "/v1/sessions", body)
		if _, err := raw(t, w).ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
			t.Fatal(err)
		}
		if err := sendRaw(w, api.RouteReadyz, nil, ""); err != nil {
			t.Fatalf("readyz after writes work again: %v", err)
		}
	})
	t.Run("postgres hung", func(t *testing.T) {
		// One deadline per request: with every write blocked, a request
		// ends near its own timeout (1 s) with a 503, not 5 s later for
		// its refusal's audit write.
		w := startWith(t, testkit.Postgres(t), nil, func(c *config.Config) { c.RequestTimeout = time.Second })
		body := loginBody(t, w)
		tx, err := raw(t, w).BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `LOCK TABLE audit_head IN ACCESS EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		wantUnavailable(t, w, "POST", "/v1/sessions", body)
		if took := time.Since(start); took > 4*time.Second {
			t.Fatalf("a request with a 1 s timeout took %v with the store hung", took)
		}
	})
}

func jsonBytes(v any) ([]byte, error) { return jsonMarshal(v) }
