package httpapi

import (
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
)

// questionRoutes registers the security question routes (docs/unlock.md).
func (h *Handler) questionRoutes() {
	h.handle(api.RouteGetQuestions, func(w http.ResponseWriter, r *http.Request) {
		q, err := h.svc.SecurityQuestions(r.Context(), r.PathValue("id"), auth(r), meta(r))
		h.respond(w, r, http.StatusOK, q, err)
	})
	h.handle(api.RouteRegisterQuestions, withBody(h, identity.ActionQuestionsRegister, http.StatusAccepted,
		func(r *http.Request, req *api.RegisterQuestionsRequest) (any, error) {
			return h.svc.RegisterQuestions(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteConfirmQuestions, withBody(h, identity.ActionQuestionsConfirm, http.StatusOK,
		func(r *http.Request, req *api.ConfirmQuestionsRequest) (any, error) {
			return h.svc.ConfirmQuestions(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
}
