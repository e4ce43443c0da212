package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// wildcards are the names of route's {name} segments, in order.
func wildcards(route string) []string {
	var names []string
	for seg := range strings.SplitSeq(route, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.Trim(seg, "{}"))
		}
	}
	return names
}

// TestRequestMatchesServeMux: for every route, the method and path Request
// builds are matched by a real http.ServeMux to that route's pattern, and
// r.PathValue gives back each value, however it has to be escaped.
func TestRequestMatchesServeMux(t *testing.T) {
	mux := http.NewServeMux()
	var got map[string]string // wildcard values the matched handler saw
	var matched string
	for _, route := range append(Routes, RouteMetrics) {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
			matched = r.Pattern
			for _, name := range wildcards(route) {
				got[name] = r.PathValue(name)
			}
		})
	}
	for _, value := range []string{"s-1", "a/b", "50%", "%2F", "a/../b", "é x?#&", "//", "/a", "...", "a.b"} {
		for _, route := range append(Routes, RouteMetrics) {
			names := wildcards(route)
			values := make([]string, len(names))
			for i := range values {
				values[i] = value
			}
			method, path, err := Request(route, values...)
			if err != nil {
				t.Fatalf("Request(%q, %q): %v", route, values, err)
			}
			req, err := http.NewRequest(method, "https://backend.test"+path, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if _, pattern := mux.Handler(req); pattern != route {
				t.Errorf("%s %s (values %q) matches %q, want %q", method, path, values, pattern, route)
				continue
			}
			got, matched = map[string]string{}, ""
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if matched != route || rec.Code != http.StatusOK {
				t.Errorf("%s %s served by %q (%d), want %q", method, path, matched, rec.Code, route)
			}
			for _, name := range names {
				if got[name] != value {
					t.Errorf("%s %s: PathValue(%q) = %q, want %q", method, path, name, got[name], value)
				}
			}
		}
	}
}

func TestRequest(t *testing.T) {
	method, path, err := Request(RouteSelectRole, "s/1")
	if err != nil || method != http.MethodPut || path != "/v1/sessions/s%2F1/role" {
		t.Fatalf("Request(RouteSelectRole, \"s/1\") = %q, %q, %v", method, path, err)
	}
	method, path, err = Request(RoutePing)
	if err != nil || method != http.MethodGet || path != "/v1/ping" {
		t.Fatalf("Request(RoutePing) = %q, %q, %v", method, path, err)
	}
	for _, tt := range []struct {
		route  string
		values []string
	}{
		{RouteGetSession, nil},
		{RouteGetSession, []string{"a", "b"}},
		{RoutePing, []string{"a"}},
		{RouteGetSession, []string{""}},
		{RouteGetSession, []string{"."}},
		{RouteGetSession, []string{".."}},
		{RouteGetSession, []string{"/"}},
		{"/v1/ping", nil},
		{"GET v1/ping", nil},
		{"GET /files/{path...}", []string{"a"}},
		{"GET /v1/{$}", nil},
	} {
		if method, path, err := Request(tt.route, tt.values...); err == nil {
			t.Errorf("Request(%q, %q) = %q, %q, want an error", tt.route, tt.values, method, path)
		}
	}
}

// TestAnswerProblem: an answer's shape, as both sides check it.
func TestAnswerProblem(t *testing.T) {
	for s, bad := range map[string]bool{"ab": true, "a.b.": true, "abc": false, strings.Repeat("x", 65): true, "Zoë": false, "St. Mary's": false} {
		if (AnswerProblem(s) != "") != bad {
			t.Errorf("AnswerProblem(%q) = %q", s, AnswerProblem(s))
		}
	}
}
