package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/identity"
)

type ctxKey int

const requestIDKey ctxKey = iota

func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

func meta(r *http.Request) identity.Meta {
	return identity.Meta{RequestID: requestID(r.Context()), RemoteAddr: r.RemoteAddr}
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

// validRequestID accepts a caller's X-Request-Id only if it is short and plain.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

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
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestIDKey, id), h.requestTimeout)
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
			h.metrics.observe(r.Pattern, rec.status, rec.code, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}
