package api

import (
	"fmt"
	"net/url"
	"strings"
)

// Request turns route, one of the patterns above ("GET /v1/sessions/{id}"),
// and one value per wildcard, in order, into the method and the path to
// send: Request(RouteGetSession, id) is "GET", "/v1/sessions/"+id with id
// escaped (url.PathEscape), so a value holding '/' or '%' stays one segment
// and the server's r.PathValue gives it back unchanged.
//
// It fails on a route not of the form "METHOD /path", a wildcard other than
// {name}, too few or too many values, and a value the server's ServeMux
// cannot match as a segment: "", "." and ".." (cleaned away), and "/" (a
// segment that unescapes to "/" is read as a trailing slash).
func Request(route string, values ...string) (method, path string, err error) {
	method, pattern, ok := strings.Cut(route, " ")
	if !ok || method == "" || !strings.HasPrefix(pattern, "/") {
		return "", "", fmt.Errorf("api: route %q is not of the form \"METHOD /path\"", route)
	}
	segs := strings.Split(pattern, "/")
	n := 0
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		if !strings.HasSuffix(seg, "}") || strings.HasSuffix(seg, "...}") || seg == "{$}" {
			return "", "", fmt.Errorf("api: route %q: wildcard %s is not supported", route, seg)
		}
		if n == len(values) {
			return "", "", fmt.Errorf("api: route %q takes more than %d values", route, len(values))
		}
		switch v := values[n]; v {
		case "", ".", "..", "/":
			return "", "", fmt.Errorf("api: route %q: %s cannot be %q", route, seg, v)
		default:
			segs[i] = url.PathEscape(v)
		}
		n++
	}
	if n != len(values) {
		return "", "", fmt.Errorf("api: route %q takes %d values, not %d", route, n, len(values))
	}
	return method, strings.Join(segs, "/"), nil
}
