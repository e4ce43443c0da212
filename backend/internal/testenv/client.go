package testenv

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cardagent/cardagent/api"
)

// Client speaks the identityd protocol with net/http: the reference for
// what the agent's client must send.
type Client struct {
	Base string
	HTTP *http.Client
}

// NewClient pins tlsCfg's roots and keeps up to conns connections per host.
func NewClient(base string, tlsCfg *tls.Config, conns int) *Client {
	tr := &http.Transport{
		TLSClientConfig:     tlsCfg,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &Client{Base: base, HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// Call is one request: JSON body (nil for none), optional session auth.
type Call struct {
	Method, Path  string
	Body          any
	Token         string
	WorkstationID string
	ContentType   string // default application/json when Body is set
	RawBody       []byte // sent as is instead of Body
}

// Do sends c and decodes a 2xx JSON body into out (may be nil). A non-2xx
// response is returned as *api.Error with Status filled in via StatusError.
func (cl *Client) Do(ctx context.Context, c Call, out any) error {
	var body io.Reader
	ct := c.ContentType
	switch {
	case c.RawBody != nil:
		body = bytes.NewReader(c.RawBody)
	case c.Body != nil:
		b, err := json.Marshal(c.Body)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
		if ct == "" {
			ct = "application/json"
		}
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, cl.Base+c.Path, body)
	if err != nil {
		return err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.WorkstationID != "" {
		req.Header.Set(api.WorkstationHeader, c.WorkstationID)
	}
	resp, err := cl.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e api.Error
		if jerr := json.Unmarshal(b, &e); jerr != nil || e.Code == "" {
			return fmt.Errorf("HTTP %d with a body that is not an api.Error: %q", resp.StatusCode, b)
		}
		return &StatusError{Status: resp.StatusCode, Err: e}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// StatusError is a refused call: the HTTP status and the api error.
type StatusError struct {
	Status int
	Err    api.Error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Err.Code, e.Err.Message)
}

// Challenge asks for a challenge for workstation ws.
func (cl *Client) Challenge(ctx context.Context, ws string) (*api.Challenge, error) {
	var ch api.Challenge
	err := cl.Do(ctx, Call{Method: "POST", Path: "/v1/challenges", Body: api.ChallengeRequest{WorkstationID: ws}}, &ch)
	return &ch, err
}

// Prove signs a challenge with the card as the agent does.
func Prove(card *Card, ch *api.Challenge, ws string) (api.CardProof, error) {
	nonce, err := base64.RawURLEncoding.DecodeString(ch.Nonce)
	if err != nil {
		return api.CardProof{}, err
	}
	sig, err := card.Key.Sign(rand.Reader, api.LoginDigest(nonce, ws, card.GUID), crypto.SHA256)
	if err != nil {
		return api.CardProof{}, err
	}
	return api.CardProof{
		Nonce: ch.Nonce, WorkstationID: ws, CardGUID: api.FormatCardGUID(card.GUID),
		Certificate: base64.StdEncoding.EncodeToString(card.Cert.Raw),
		Signature:   base64.StdEncoding.EncodeToString(sig),
	}, nil
}

// Login runs challenge + session for card at ws.
func (cl *Client) Login(ctx context.Context, card *Card, ws string) (*api.Session, error) {
	ch, err := cl.Challenge(ctx, ws)
	if err != nil {
		return nil, err
	}
	p, err := Prove(card, ch, ws)
	if err != nil {
		return nil, err
	}
	var s api.Session
	err = cl.Do(ctx, Call{Method: "POST", Path: "/v1/sessions", Body: api.CreateSessionRequest{CardProof: p}}, &s)
	return &s, err
}

// SessionCall is a call on session s from workstation ws.
func (cl *Client) SessionCall(ctx context.Context, s *api.Session, method, sub string, body, out any) error {
	return cl.Do(ctx, Call{Method: method, Path: "/v1/sessions/" + s.ID + sub, Body: body, Token: s.Token, WorkstationID: s.WorkstationID}, out)
}
