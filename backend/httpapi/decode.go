package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// validator is a request with its own Validate.
type validator interface{ Validate() error }

// decode reads one JSON request into dst and validates it. On failure it
// audits the refusal, renders the error and returns false.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, action string, dst validator) bool {
	err := decodeBody(w, r, dst)
	if err == nil {
		return true
	}
	h.fail(w, r, h.svc.Refused(r.Context(), action, meta(r), err))
	return false
}

// decodeBody is the decoder the fuzz test drives: content type, size limit,
// unknown fields, trailing data, then the request's own Validate.
func decodeBody(w http.ResponseWriter, r *http.Request, dst validator) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errs.New(http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType, "send Content-Type: application/json", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.New(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge, "the request body is over 64 KiB", nil)
		}
		return errs.BadRequest(api.CodeMalformedBody, "the request body could not be read", err)
	}
	return decodeJSON(body, dst)
}

func decodeJSON(body []byte, dst validator) error {
	if err := checkKeys(body, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			return unknownField(strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`))
		}
		return errs.BadRequest(api.CodeMalformedBody, "the request body is not the expected JSON object", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.BadRequest(api.CodeMalformedBody, "unexpected data after the JSON object", nil)
	}
	if err := dst.Validate(); err != nil {
		return errs.BadRequest(api.CodeInvalidRequest, err.Error(), err)
	}
	return nil
}
