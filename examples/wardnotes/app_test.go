package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The app answers loopback names only (a page on another site cannot reach
// it by DNS rebinding) and takes no form posted from another origin.
func TestServedToLoopbackOnly(t *testing.T) {
	a := &app{log: slog.New(slog.DiscardHandler), sessions: map[string]*appSession{}}
	h := a.routes()
	for _, tc := range []struct {
		method, host, origin, path string
		want                       int
	}{
		{"GET", "127.0.0.1:8180", "", "/signin", http.StatusOK},
		{"GET", "localhost:8180", "", "/", http.StatusSeeOther},
		{"GET", "evil.example:8180", "", "/signin", http.StatusMisdirectedRequest},
		{"POST", "127.0.0.1:8180", "http://evil.example", "/signin", http.StatusForbidden},
		{"GET", "127.0.0.1:8180", "", "/events", http.StatusUnauthorized},
	} {
		r := httptest.NewRequest(tc.method, "http://"+tc.host+tc.path, strings.NewReader("ticket=x"))
		r.Host = tc.host
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("%s %s%s (origin %q): %d, want %d", tc.method, tc.host, tc.path, tc.origin, w.Code, tc.want)
		}
	}
}
