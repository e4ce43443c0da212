package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-resty/resty/v2"

	"github.com/cardagent/cardagent/api"
)

// Ticket identifies a backend session: its id and bearer token. The token is
// a secret: it is never logged.
type Ticket struct {
	ID    string
	Token string
}

// Policy returns the public policy (passcode rule, renewal window, modes).
func (c *Client) Policy(ctx context.Context) (api.Policy, error) {
	var p api.Policy
	return p, c.do(ctx, api.RouteGetPolicy, nil, nil, &p)
}

// Ping calls the no-op endpoint: reachability and trust in one round trip.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, api.RoutePing, nil, nil, &api.Pong{})
}

// Challenge asks for a single-use login nonce bound to this workstation.
func (c *Client) Challenge(ctx context.Context) (api.Challenge, error) {
	var ch api.Challenge
	return ch, c.do(ctx, api.RouteCreateChallenge, nil, api.ChallengeRequest{WorkstationID: c.ws}, &ch)
}

// Login redeems a challenge with the card's proof and opens a session.
func (c *Client) Login(ctx context.Context, proof api.CardProof) (api.Session, error) {
	var s api.Session
	return s, c.do(ctx, api.RouteCreateSession, nil, api.CreateSessionRequest{CardProof: proof}, &s)
}

// Session reads a session's current state.
func (c *Client) Session(ctx context.Context, t Ticket) (api.Session, error) {
	var s api.Session
	return s, c.do(ctx, api.RouteGetSession, &t, nil, &s, t.ID)
}

// AcceptTerms records acceptance of a terms version.
func (c *Client) AcceptTerms(ctx context.Context, t Ticket, version int) (api.Session, error) {
	var s api.Session
	return s, c.do(ctx, api.RouteAcceptTerms, &t, api.AcceptTermsRequest{Version: version}, &s, t.ID)
}

// SelectRole chooses the role to work in (idempotent: retried).
func (c *Client) SelectRole(ctx context.Context, t Ticket, roleID string) (api.Session, error) {
	var s api.Session
	return s, c.do(ctx, api.RouteSelectRole, &t, api.SelectRoleRequest{RoleID: roleID}, &s, t.ID)
}

// Suspend parks the session until the same card comes back (Session Lock
// Persistence).
func (c *Client) Suspend(ctx context.Context, t Ticket) (api.Session, error) {
	var s api.Session
	return s, c.do(ctx, api.RouteSuspendSession, &t, nil, &s, t.ID)
}

// Resume reopens a suspended session with a fresh proof from the same card.
func (c *Client) Resume(ctx context.Context, t Ticket, proof api.CardProof) (api.Session, error) {
	var s api.Session
	return s, c.do(ctx, api.RouteResumeSession, &t, api.ResumeRequest{CardProof: proof}, &s, t.ID)
}

// ReportPasscodeChange tells identityd what the card answered to a
// passcode change, for its audit trail: the outcome, never a passcode.
func (c *Client) ReportPasscodeChange(ctx context.Context, t Ticket, r api.PasscodeChangeReport) error {
	return c.do(ctx, api.RoutePasscodeChange, &t, r, nil, t.ID)
}

// End ends the session for good (idempotent: retried).
func (c *Client) End(ctx context.Context, t Ticket) error {
	return c.do(ctx, api.RouteEndSession, &t, nil, nil, t.ID)
}

// do runs one call on route, its wildcards filled with values (api.Request),
// and turns every failure into *APIError, ErrUntrusted or ErrUnreachable;
// a value the route cannot carry (an empty session id) is an error of its
// own, and nothing is sent.
func (c *Client) do(ctx context.Context, route string, t *Ticket, body, out any, values ...string) error {
	return c.doQuery(ctx, route, t, body, nil, out, values...)
}

// doForm posts form, form-encoded (RFC 7662's introspection).
func (c *Client) doForm(ctx context.Context, route string, form url.Values, out any) error {
	method, path, err := api.Request(route)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	resp, err := c.r.R().SetContext(ctx).SetFormDataFromValues(form).SetResult(out).Execute(method, path)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
		}
		return fmt.Errorf("%w: %s %s: %v", ErrUnreachable, method, path, err)
	}
	if resp.IsError() {
		return apiError(resp)
	}
	return nil
}

// doQuery is do with a query string.
func (c *Client) doQuery(ctx context.Context, route string, t *Ticket, body any, query url.Values, out any, values ...string) error {
	method, path, err := api.Request(route, values...)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req := c.r.R().SetContext(ctx).SetQueryParamsFromValues(query)
	if t != nil {
		req.SetAuthToken(t.Token)
	}
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	if out != nil {
		req.SetResult(out)
	}
	resp, err := req.Execute(method, path)
	if err != nil {
		if errors.Is(err, ErrUntrusted) {
			return err
		}
		if errors.Is(err, ErrRedirected) {
			return fmt.Errorf("%w (%s %s to %s)", ErrRedirected, method, path, redirectTarget(resp))
		}
		if resp != nil && resp.RawResponse != nil && ctx.Err() == nil {
			// An answer came but its body did not decode.
			return &APIError{Status: resp.StatusCode(), Code: api.CodeInternal, Message: "the backend's answer could not be read: " + err.Error()}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
		}
		return fmt.Errorf("%w: %s %s: %v", ErrUnreachable, method, path, err)
	}
	if resp.IsError() {
		return apiError(resp)
	}
	if out != nil && resp.StatusCode() != http.StatusNoContent && !isJSON(resp) {
		return &APIError{Status: resp.StatusCode(), Code: api.CodeInternal, Message: "the backend answered with " + resp.Header().Get("Content-Type") + ", not JSON"}
	}
	return nil
}

func apiError(resp *resty.Response) error {
	e, ok := resp.Error().(*api.Error)
	if !ok || e == nil || e.Code == "" {
		code := api.CodeInternal
		if resp.StatusCode() == http.StatusServiceUnavailable {
			code = api.CodeUnavailable
		}
		return &APIError{Status: resp.StatusCode(), Code: code, Message: http.StatusText(resp.StatusCode())}
	}
	return &APIError{Status: resp.StatusCode(), Code: e.Code, Message: e.Message, RenewalRefusal: e.RenewalRefusal, Renewal: e.Renewal, Unlock: e.Unlock,
		AttemptsLeft: e.AttemptsLeft}
}

// redirectTarget is where a refused redirect pointed, without its query.
func redirectTarget(resp *resty.Response) string {
	if resp == nil || resp.RawResponse == nil {
		return "?"
	}
	loc, err := resp.RawResponse.Location()
	if err != nil {
		return "?"
	}
	loc.RawQuery, loc.Fragment, loc.User = "", "", nil
	return loc.String()
}

func isJSON(resp *resty.Response) bool {
	ct := resp.Header().Get("Content-Type")
	return len(ct) >= 16 && ct[:16] == "application/json"
}
