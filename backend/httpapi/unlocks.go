package httpapi

import (
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
)

// The self-service unlock calls (docs/unlock.md). The request carries no
// token (the card is blocked: there is no session); every later call the
// unlock's own.

func (h *Handler) unlockRoutes() {
	h.handle(api.RouteRequestUnlock, withBody(h, identity.ActionUnlockRequest, http.StatusCreated,
		func(r *http.Request, req *api.UnlockRequest) (any, error) {
			return h.svc.RequestUnlock(r.Context(), req, meta(r))
		}))
	h.handle(api.RouteUnlockAnswers, withBody(h, identity.ActionUnlockAnswers, http.StatusOK,
		func(r *http.Request, req *api.UnlockAnswersRequest) (any, error) {
			return h.svc.UnlockAnswers(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteUnlockCode, withBody(h, identity.ActionUnlockCode, http.StatusOK,
		func(r *http.Request, req *api.UnlockCodeRequest) (any, error) {
			return h.svc.UnlockCode(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteUnlockWitness, withBody(h, identity.ActionUnlockWitness, http.StatusOK,
		func(r *http.Request, req *api.UnlockWitnessRequest) (any, error) {
			return h.svc.UnlockWitness(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteUnlockPUK, withBody(h, identity.ActionUnlockPUK, http.StatusOK,
		func(r *http.Request, req *api.UnlockPUKRequest) (any, error) {
			return h.svc.UnlockPUK(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteCompleteUnlock, withBody(h, identity.ActionUnlockComplete, http.StatusOK,
		func(r *http.Request, req *api.UnlockCompleteRequest) (any, error) {
			return h.svc.CompleteUnlock(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
}
