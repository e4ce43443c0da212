package httpapi

import (
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/identity"
)

// adminRoutes registers the admin API (docs/admin.md): calls on an
// administrator's own session.
func (h *Handler) adminRoutes() {
	h.handle(api.RouteAdminCard, func(w http.ResponseWriter, r *http.Request) {
		c, err := h.svc.AdminCard(r.Context(), r.PathValue("id"), auth(r), r.PathValue("guid"), meta(r))
		h.respond(w, r, http.StatusOK, c, err)
	})
	h.handle(api.RouteAdminUnlock, withBody(h, identity.ActionAdminUnlock, http.StatusCreated,
		func(r *http.Request, req *api.AdminUnlockRequest) (any, error) {
			return h.svc.AdminUnlock(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteAdminRenewal, withBody(h, identity.ActionAdminRenewal, http.StatusCreated,
		func(r *http.Request, req *api.AdminRenewalRequest) (any, error) {
			return h.svc.AdminRenewal(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteAdminCancel, withBody(h, identity.ActionAdminCancel, http.StatusOK,
		func(r *http.Request, req *api.AdminCancelRequest) (any, error) {
			return h.svc.AdminCancel(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteAdminEnrol, withBody(h, identity.ActionAdminEnrol, http.StatusCreated,
		func(r *http.Request, req *api.AdminEnrolRequest) (any, error) {
			return h.svc.AdminEnrol(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteAdminPositions, func(w http.ResponseWriter, r *http.Request) {
		ps, err := h.svc.AdminPositions(r.Context(), r.PathValue("id"), auth(r), r.PathValue("user"), meta(r))
		h.respond(w, r, http.StatusOK, ps, err)
	})
	h.handle(api.RouteAdminGrant, withBody(h, identity.ActionAdminGrant, http.StatusCreated,
		func(r *http.Request, req *api.AdminGrantRequest) (any, error) {
			return h.svc.AdminGrant(r.Context(), r.PathValue("id"), auth(r), r.PathValue("user"), req, meta(r))
		}))
	h.handle(api.RouteAdminEndPosition, withBody(h, identity.ActionAdminEndPosition, http.StatusOK,
		func(r *http.Request, req *api.AdminEndPositionRequest) (any, error) {
			return h.svc.AdminEndPosition(r.Context(), r.PathValue("id"), auth(r), r.PathValue("user"), r.PathValue("position"), req, meta(r))
		}))
	h.handle(api.RouteAdminAudit, func(w http.ResponseWriter, r *http.Request) {
		q, err := api.ParseAuditQuery(r.URL.Query())
		if err != nil {
			h.fail(w, r, h.svc.Refused(r.Context(), identity.ActionAdminAudit, meta(r), errs.BadRequest(api.CodeInvalidRequest, err.Error(), err)))
			return
		}
		page, err := h.svc.AdminAudit(r.Context(), r.PathValue("id"), auth(r), q, meta(r))
		h.respond(w, r, http.StatusOK, page, err)
	})
}
