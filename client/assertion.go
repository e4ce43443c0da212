package client

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/cardagent/cardagent/api"
)

// IssueAssertion asks identityd for an assertion of the session for
// audience, a local application (docs/tickets.md).
func (c *Client) IssueAssertion(ctx context.Context, t Ticket, audience string) (api.Assertion, error) {
	var a api.Assertion
	return a, c.do(ctx, api.RouteIssueAssertion, &t, api.AssertionRequest{Audience: audience}, &a, t.ID)
}

// Introspect asks whether assertion is still active (RFC 7662), as an
// application's server does.
func (c *Client) Introspect(ctx context.Context, assertion string) (api.Introspection, error) {
	var in api.Introspection
	return in, c.doForm(ctx, api.RouteIntrospect, url.Values{"token": {assertion}}, &in)
}

// JWKS reads the key set assertions are checked with, as JSON.
func (c *Client) JWKS(ctx context.Context) (json.RawMessage, error) {
	var set json.RawMessage
	return set, c.do(ctx, api.RouteJWKS, nil, nil, &set)
}
