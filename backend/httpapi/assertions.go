package httpapi

import (
	"errors"
	"mime"
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/identity"
)

// assertionRoutes registers what local applications' servers use
// (docs/tickets.md): the agent's request for an assertion, the key set
// that checks it, and introspection (RFC 7662, a form-encoded token).
func (h *Handler) assertionRoutes() {
	h.handle(api.RouteIssueAssertion, withBody(h, identity.ActionAssertion, http.StatusCreated,
		func(r *http.Request, req *api.AssertionRequest) (any, error) {
			return h.svc.IssueAssertion(r.Context(), r.PathValue("id"), auth(r), req, meta(r))
		}))
	h.handle(api.RouteJWKS, func(w http.ResponseWriter, r *http.Request) {
		h.respond(w, r, http.StatusOK, h.svc.JWKS(), nil)
	})
	h.handle(api.RouteIntrospect, func(w http.ResponseWriter, r *http.Request) {
		token, err := introspectToken(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out, err := h.svc.Introspect(r.Context(), token)
		h.respond(w, r, http.StatusOK, out, err)
	})
}

// introspectToken reads RFC 7662's form: token=… (and token_type_hint,
// ignored), at most api.MaxRequestBody.
func introspectToken(w http.ResponseWriter, r *http.Request) (string, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return "", errs.New(http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType, "send Content-Type: application/x-www-form-urlencoded", nil)
	}
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxRequestBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", errs.New(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge, "the request body is over 64 KiB", nil)
		}
		return "", errs.BadRequest(api.CodeMalformedBody, "the form could not be read", err)
	}
	token := r.PostForm.Get("token")
	if token == "" {
		return "", errs.BadRequest(api.CodeInvalidRequest, "token: the assertion to look at is required", nil)
	}
	return token, nil
}
