package httpapi

import (
	"net/http"

	"github.com/cardagent/cardagent/api"
)

// The renewal calls (docs/renewal.md). Open carries the session's bearer
// token; every other call the renewal's own.

func (h *Handler) renewalRoutes() {
	h.handle(api.RouteOpenRenewal, withBody(h, "renewal.open", http.StatusCreated,
		func(r *http.Request, req *api.OpenRenewalRequest) (any, error) {
			return h.svc.OpenRenewal(r.Context(), req, auth(r), meta(r))
		}))
	h.handle(api.RouteGetRenewal, func(w http.ResponseWriter, r *http.Request) {
		v, err := h.svc.Renewal(r.Context(), r.PathValue("id"), auth(r), meta(r))
		h.respond(w, r, http.StatusOK, v, err)
	})
	h.handle(api.RouteRenewalCardAuth, withBody(h, "renewal.card_auth", http.StatusOK,
		func(r *http.Request, req *api.CardAuthRequest) (any, error) {
			return h.svc.RenewalCardAuth(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteRecordKey, withBody(h, "renewal.record_key", http.StatusOK,
		func(r *http.Request, req *api.RecordKeyRequest) (any, error) {
			return h.svc.RecordRenewalKey(r.Context(), r.PathValue("id"), r.PathValue("slot"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteIssueRenewal, withBody(h, "renewal.issue", http.StatusOK,
		func(r *http.Request, req *api.IssueRequest) (any, error) {
			return h.svc.IssueRenewal(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteCompleteRenewal, withBody(h, "renewal.complete", http.StatusOK,
		func(r *http.Request, req *api.CompleteRenewalRequest) (any, error) {
			return h.svc.CompleteRenewal(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
}

// withBody is a handler that decodes and validates a T (auditing a refusal
// as action), calls fn with it and renders fn's answer with status.
func withBody[T any, P interface {
	*T
	validator
}](h *Handler, action string, status int, fn func(r *http.Request, req P) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req T
		if !h.decode(w, r, action, P(&req)) {
			return
		}
		v, err := fn(r, &req)
		h.respond(w, r, status, v, err)
	}
}
