package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// respond renders v with status, or err.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// fail renders err as {code, message}: an *errs.Error keeps its status, code
// and message; anything else is a 500 whose cause is only logged.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	if rec, ok := w.(*recorder); ok {
		rec.code = e.Code
	}
	log := h.log.With("request_id", requestID(r.Context()), "route", r.Pattern, "status", e.Status, "code", e.Code)
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
		log.WarnContext(r.Context(), "request failed: store unavailable", "err", e.Err)
	} else if e.Status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "err", e.Err)
	} else {
		log.InfoContext(r.Context(), "request refused", "reason", e.Msg)
	}
	writeJSON(w, e.Status, &api.Error{Code: e.Code, Message: e.Msg, RenewalRefusal: e.RenewalRefusal, Renewal: e.Renewal, Unlock: e.Unlock,
		AttemptsLeft: e.AttemptsLeft})
}

// retryAfterSeconds is the Retry-After of a 503: long enough for a store
// restart or failover to begin, short enough to notice it ending.
const retryAfterSeconds = "5"

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal","message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
