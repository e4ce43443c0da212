package httpapi

import (
	"net/http"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/identity"
)

func (h *Handler) createChallenge(w http.ResponseWriter, r *http.Request) {
	var req api.ChallengeRequest
	if !h.decode(w, r, "challenge", &req) {
		return
	}
	c, err := h.svc.Challenge(r.Context(), &req)
	h.respond(w, r, http.StatusCreated, c, err)
}

func (h *Handler) createSession(w http.ResponseWriter, r *http.Request) {
	var req api.CreateSessionRequest
	if !h.decode(w, r, "login", &req) {
		return
	}
	s, err := h.svc.Login(r.Context(), &req, meta(r))
	if err == nil {
		h.obs.ObserveLogin()
	}
	h.respond(w, r, http.StatusCreated, s, err)
}

func (h *Handler) getSession(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Session(r.Context(), r.PathValue("id"), auth(r), meta(r))
	h.respond(w, r, http.StatusOK, s, err)
}

func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.End(r.Context(), r.PathValue("id"), auth(r), meta(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) acceptTerms(w http.ResponseWriter, r *http.Request) {
	var req api.AcceptTermsRequest
	if !h.decode(w, r, "terms.accept", &req) {
		return
	}
	s, err := h.svc.AcceptTerms(r.Context(), r.PathValue("id"), auth(r), &req, meta(r))
	h.respond(w, r, http.StatusOK, s, err)
}

func (h *Handler) selectRole(w http.ResponseWriter, r *http.Request) {
	var req api.SelectRoleRequest
	if !h.decode(w, r, "session.role", &req) {
		return
	}
	s, err := h.svc.SelectRole(r.Context(), r.PathValue("id"), auth(r), &req, meta(r))
	h.respond(w, r, http.StatusOK, s, err)
}

func (h *Handler) reportPasscodeChange(w http.ResponseWriter, r *http.Request) {
	var req api.PasscodeChangeReport
	if !h.decode(w, r, identity.ActionPasscodeChange, &req) {
		return
	}
	if err := h.svc.ReportPasscodeChange(r.Context(), r.PathValue("id"), auth(r), &req, meta(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) suspendSession(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Suspend(r.Context(), r.PathValue("id"), auth(r), meta(r))
	h.respond(w, r, http.StatusOK, s, err)
}

func (h *Handler) resumeSession(w http.ResponseWriter, r *http.Request) {
	var req api.ResumeRequest
	if !h.decode(w, r, "session.resume", &req) {
		return
	}
	s, err := h.svc.Resume(r.Context(), r.PathValue("id"), &req, meta(r))
	h.respond(w, r, http.StatusOK, s, err)
}

func (h *Handler) getPolicy(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r, http.StatusOK, h.svc.APIPolicy(), nil)
}

func (h *Handler) ping(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r, http.StatusOK, &api.Pong{OK: true}, nil)
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r, http.StatusOK, &api.Pong{OK: true}, nil)
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Ready(r.Context()); err != nil {
		h.fail(w, r, errs.New(http.StatusServiceUnavailable, api.CodeUnavailable, "not ready", err))
		return
	}
	h.respond(w, r, http.StatusOK, &api.Pong{OK: true}, nil)
}

// notFound answers what no route matches: 405 method_not_allowed with an
// Allow header when the path exists for other methods, else 404 not_found.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	if allow := h.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.fail(w, r, errs.New(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed,
			"this endpoint does not answer "+r.Method+": use "+strings.Join(allow, " or "), nil))
		return
	}
	h.fail(w, r, errs.New(http.StatusNotFound, api.CodeNotFound, "no such endpoint", nil))
}

// allowed lists the methods a route answers on r's path.
func (h *Handler) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := *r
		probe.Method = m
		if _, pattern := h.mux.Handler(&probe); pattern != "" && pattern != "/" {
			out = append(out, m)
		}
	}
	return out
}
