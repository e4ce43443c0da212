package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
)

// fakeBackend is an in-process stand-in for identityd in unit tests; the
// real identityd is exercised by the session and e2e tests.
func fakeBackend(t *testing.T, h http.HandlerFunc) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	// httptest's leaf is self-signed: it is its own CA, so pin it.
	sum := sha256.Sum256(srv.Certificate().Raw)
	return srv, hex.EncodeToString(sum[:])
}

func newClient(t *testing.T, url, pin string) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: url, CAPin: pin, WorkstationID: "ws-1", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

func TestPinnedTLS(t *testing.T) {
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"ok":true}`) })
	c := newClient(t, srv.URL, pin)
	if c.CA() != nil {
		t.Fatal("a CA known before any call")
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("pinned CA: %v", err)
	}
	if ca := c.CA(); ca == nil || !ca.Equal(srv.Certificate()) {
		t.Fatalf("after a call the client holds CA %v, want the pinned one", ca)
	}
	other := strings.Repeat("ab", 32)
	err := newClient(t, srv.URL, other).Ping(context.Background())
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("wrong pin: %v, want ErrUntrusted", err)
	}
	if _, err := New(Config{BaseURL: srv.URL, CAPin: "12:34", WorkstationID: "w"}); err == nil {
		t.Fatal("short pin accepted")
	}
}

func TestTypedAPIError(t *testing.T) {
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"code":"challenge_replayed","message":"nonce already used"}`)
	})
	_, err := newClient(t, srv.URL, pin).Login(context.Background(), api.CardProof{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != api.CodeChallengeReplayed {
		t.Fatalf("err = %v", err)
	}
	if !IsCode(err, api.CodeChallengeReplayed) || IsCode(err, api.CodeInternal) {
		t.Fatal("IsCode")
	}
}

func TestRetriesOnlyIdempotentCalls(t *testing.T) {
	var calls atomic.Int32
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 503, `{"code":"unavailable","message":"try later"}`)
	})
	c := newClient(t, srv.URL, pin)
	tests := []struct {
		name string
		call func() error
		want int32
	}{
		{"POST challenge", func() error { _, err := c.Challenge(context.Background()); return err }, 1},
		{"POST login", func() error { _, err := c.Login(context.Background(), api.CardProof{}); return err }, 1},
		{"POST suspend", func() error { _, err := c.Suspend(context.Background(), Ticket{ID: "s", Token: "t"}); return err }, 1},
		{"GET policy", func() error { _, err := c.Policy(context.Background()); return err }, 3},
		{"PUT role", func() error {
			_, err := c.SelectRole(context.Background(), Ticket{ID: "s", Token: "t"}, "r")
			return err
		}, 3},
		{"DELETE session", func() error { return c.End(context.Background(), Ticket{ID: "s", Token: "t"}) }, 3},
	}
	for _, tc := range tests {
		calls.Store(0)
		err := tc.call()
		if !IsCode(err, api.CodeUnavailable) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if got := calls.Load(); got != tc.want {
			t.Errorf("%s: %d attempts, want %d", tc.name, got, tc.want)
		}
	}
}

func TestUnreachableAndSlow(t *testing.T) {
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * time.Second)
	})
	c, _ := New(Config{BaseURL: srv.URL, CAPin: pin, WorkstationID: "w", Timeout: 200 * time.Millisecond, Retries: -1})
	start := time.Now()
	_, err := c.Challenge(context.Background())
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("slow backend: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("timeout not applied: %v", time.Since(start))
	}
	srv.Close()
	if _, err := c.Policy(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("closed backend: %v", err)
	}
}

func TestHeadersAndMalformedAnswers(t *testing.T) {
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(api.WorkstationHeader) != "ws-1" || r.Header.Get("Authorization") != "Bearer tok" {
			writeJSON(w, 401, `{"code":"unauthenticated","message":"headers"}`)
			return
		}
		switch r.URL.Path {
		case "/v1/sessions/s1":
			writeJSON(w, 200, `{"id":"s1","state":"active"`)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>proxy error</html>"))
		}
	})
	c := newClient(t, srv.URL, pin)
	_, err := c.Session(context.Background(), Ticket{ID: "s1", Token: "tok"})
	if !IsCode(err, api.CodeInternal) {
		t.Fatalf("truncated JSON: %v", err)
	}
	_, err = c.AcceptTerms(context.Background(), Ticket{ID: "s2", Token: "tok"}, 1)
	if !IsCode(err, api.CodeInternal) {
		t.Fatalf("HTML answer: %v", err)
	}
}

// The pinned CA is not enough: the certificate must also name the host
// dialled, IP addresses included.
func TestPinnedTLSChecksTheHost(t *testing.T) {
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"ok":true}`) })
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // httptest's certificate names 127.0.0.1, not localhost
	if err := newClient(t, other, pin).Ping(context.Background()); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("certificate without the host name accepted: %v", err)
	}
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://localhost:8080": true, "http://[::1]:8080": true,
		"http://id.example:8080": false, "http://10.0.0.5": false, "ftp://x": false, "not a url": false,
	} {
		_, err := New(Config{BaseURL: url, WorkstationID: "w"})
		if (err == nil) != ok {
			t.Errorf("%s: err = %v", url, err)
		}
	}
}

// No redirect is followed — not to another path, not to plain HTTP — so the
// bearer token goes nowhere but the pinned backend; and none is retried.
func TestRedirectsRefused(t *testing.T) {
	var leaked atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		writeJSON(w, 200, `{"id":"s1","state":"active"}`)
	}))
	defer elsewhere.Close()
	var calls atomic.Int32
	srv, pin := fakeBackend(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		target := elsewhere.URL + r.URL.Path // https → http
		if r.URL.Path == "/v1/ping" {
			target = "/v1/elsewhere" // same server, other path
		}
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	})
	c := newClient(t, srv.URL, pin)
	if _, err := c.Session(context.Background(), Ticket{ID: "s1", Token: "tok"}); !errors.Is(err, ErrRedirected) {
		t.Fatalf("redirect to http: %v, want ErrRedirected", err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, ErrRedirected) {
		t.Fatalf("redirect on the same server: %v, want ErrRedirected", err)
	}
	if leaked.Load() != 0 {
		t.Fatal("the bearer token was sent to the redirect's target")
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d calls to the backend for two requests: a redirect was retried or followed", n)
	}
}
