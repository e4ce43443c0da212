package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/identity"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	clientAddrKey
)

func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

func meta(r *http.Request) identity.Meta {
	addr, _ := r.Context().Value(clientAddrKey).(string)
	return identity.Meta{RequestID: requestID(r.Context()), RemoteAddr: addr}
}

// WithTrustedProxies believes X-Forwarded-For from these addresses (reverse
// proxies in front of identityd); by default it is ignored.
func WithTrustedProxies(p []netip.Prefix) Option {
	return func(h *Handler) { h.trustedProxies = p }
}

// clientAddr is the client's IP address for the audit log and the refusal
// rate limit: the connection's peer, unless that peer is a trusted proxy,
// in which case X-Forwarded-For is read from the right, skipping trusted
// proxies, up to the first address that is not one.
func clientAddr(remoteAddr string, xff []string, trusted []netip.Prefix) string {
	ip, err := parseIP(remoteAddr)
	if err != nil {
		return "unknown"
	}
	isTrusted := func(a netip.Addr) bool {
		return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	if !isTrusted(ip) {
		return ip.String()
	}
	var hops []string
	for _, v := range xff {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && isTrusted(ip); i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // not an address: the last good hop is as far as we can see
		}
		ip = a.Unmap()
	}
	return ip.String()
}

// parseIP reads "ip:port" (http.Request.RemoteAddr) or a bare IP.
func parseIP(s string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(s)
	return a.Unmap(), err
}

// recorder keeps the status and error code for metrics.
type recorder struct {
	http.ResponseWriter
	status int
	code   api.ErrorCode
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// validRequestID accepts a caller's X-Request-Id only if it is short and
// plain: the shape of the protocol's ids.
func validRequestID(s string) bool { return api.ValidID(s) }

// middleware gives each request an id, a deadline, panic recovery, a log line
// on failure and its metrics.
func (h *Handler) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		ctx = context.WithValue(ctx, clientAddrKey, clientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), h.trustedProxies))
		ctx, cancel := context.WithTimeout(ctx, h.requestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.ErrorContext(ctx, "handler panicked", "request_id", id, "panic", p)
				if rec.status == 0 {
					h.fail(rec, r, errs.Internal(nil))
				}
			}
			h.obs.ObserveRequest(r.Pattern, rec.status, rec.code, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}
