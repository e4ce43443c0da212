package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Contract is api/openapi.yaml, loaded for checking requests and responses
// with kin-openapi.
type Contract struct {
	router routers.Router
}

var (
	contractOnce sync.Once
	contract     *Contract
	contractErr  error
)

// LoadContract loads api/openapi.yaml (once per process).
func LoadContract() (*Contract, error) {
	contractOnce.Do(func() {
		_, here, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(here), "..", "..", "..", "api", "openapi.yaml")
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			contractErr = fmt.Errorf("loading %s: %w", path, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			contractErr = fmt.Errorf("%s does not validate: %w", path, err)
			return
		}
		doc.Servers = nil // match paths on whatever loopback port a test serves
		r, err := legacy.NewRouter(doc)
		if err != nil {
			contractErr = err
			return
		}
		contract = &Contract{router: r}
	})
	return contract, contractErr
}

// CheckingTransport checks every exchange through next against the
// contract: a request the document rejects must be refused with a 4xx,
// every response's status must be documented for its operation and its
// body must match the documented schema; a path the document does not have
// must answer 404, and a method it does not list 405 with an Allow header.
// A mismatch fails the round trip with an error naming it.
type CheckingTransport struct {
	Next     http.RoundTripper
	Contract *Contract
}

// RoundTrip implements http.RoundTripper.
func (t *CheckingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := t.Next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err := t.Contract.Check(req, reqBody, resp, respBody); err != nil {
		return nil, fmt.Errorf("openapi.yaml and the server disagree on %s %s → %d: %w", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp, nil
}

// Check checks one exchange (see CheckingTransport).
func (c *Contract) Check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	ctx := context.Background()
	probe := req.Clone(ctx)
	probe.Body = io.NopCloser(bytes.NewReader(reqBody))
	// Match on the escaped path, as the server's mux does: a %2F inside a
	// session id is a (bad) id, not another path segment.
	probe.URL.Path, probe.URL.RawPath = req.URL.EscapedPath(), ""
	route, params, err := c.router.FindRoute(probe)
	switch {
	case routeError(err, routers.ErrMethodNotAllowed):
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
			return fmt.Errorf("the method is not documented for this path: want 405 with an Allow header, got %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
		return nil
	case routeError(err, routers.ErrPathNotFound):
		if resp.StatusCode != http.StatusNotFound {
			return fmt.Errorf("the path is not documented: want 404, got %d", resp.StatusCode)
		}
		return nil
	case err != nil:
		return err
	}
	in := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && resp.StatusCode/100 != 4 {
		return fmt.Errorf("the document rejects the request (%v) but the server answered %d", reqErr, resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("response does not match the document: %w", err)
	}
	return nil
}

// CloseIdleConnections forwards to Next (http.Client.CloseIdleConnections).
func (t *CheckingTransport) CloseIdleConnections() {
	if c, ok := t.Next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// routeError reports whether err is the router's error like target (the
// router makes a new one each time).
func routeError(err, target error) bool {
	var re *routers.RouteError
	return errors.As(err, &re) && re.Error() == target.Error()
}
