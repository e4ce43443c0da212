// Package client is the agent's side of the identityd protocol (api), on
// resty v2: one base URL, the backend's CA pinned by fingerprint, timeouts on
// every call, retries only for idempotent calls, typed errors, and no
// headers or bodies in any log.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/cardagent/cardagent/api"
)

// Config says where the backend is and how far to trust it.
type Config struct {
	BaseURL       string        // https://host:port
	CAPin         string        // SHA-256 of the backend's CA certificate, hex (colons optional)
	WorkstationID string        // sent with every call; sessions are bound to it
	Timeout       time.Duration // per attempt; default 10 s
	Retries       int           // extra attempts for idempotent calls; default 2
	Logger        *slog.Logger  // nil discards

	// WrapTransport, if set, wraps the HTTP transport (after TLS pinning is
	// set up): for metrics, or for tests that inspect every request.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Client talks to identityd. It is safe for concurrent use.
type Client struct {
	r   *resty.Client
	ws  string
	log *slog.Logger
	ca  atomic.Pointer[x509.Certificate] // the pinned CA, once a handshake has shown it
}

// New checks cfg and builds a Client; it makes no network call.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("client: backend URL %q is not a URL", cfg.BaseURL)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		// Plain HTTP only to this machine (a local test server); the token
		// never crosses a network in clear text.
	default:
		return nil, fmt.Errorf("client: backend URL %q must start with https://", cfg.BaseURL)
	}
	if cfg.WorkstationID == "" {
		return nil, errors.New("client: a workstation id is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	} else if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{ws: cfg.WorkstationID, log: log}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if u.Scheme == "https" {
		pin, err := parsePin(cfg.CAPin)
		if err != nil {
			return nil, err
		}
		tlsCfg = pinnedTLS(pin, u.Hostname(), c.ca.Store)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	var rt http.RoundTripper = tr
	if cfg.WrapTransport != nil {
		rt = cfg.WrapTransport(tr)
	}
	c.r = resty.New().
		SetTransport(rt).
		SetBaseURL(strings.TrimRight(cfg.BaseURL, "/")).
		SetTimeout(cfg.Timeout).
		SetHeader(api.WorkstationHeader, cfg.WorkstationID).
		SetHeader("Accept", "application/json").
		SetError(&api.Error{}).
		SetLogger(restyLogger{log}).
		SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error { return ErrRedirected })).
		SetRetryCount(cfg.Retries).
		SetRetryWaitTime(200 * time.Millisecond).
		SetRetryMaxWaitTime(2 * time.Second).
		// With a condition set, resty retries only when a condition says so:
		// this one never lets a POST (challenge, login, suspend) go twice.
		AddRetryCondition(retryIdempotent)
	c.r.SetDebug(false) // never: resty's debug log prints headers (the token) and bodies
	return c, nil
}

// WorkstationID is the id this client sends.
func (c *Client) WorkstationID() string { return c.ws }

// CA is the backend's CA certificate, the one the pin names, as the server
// presented it; nil until a call has reached the server (and always over
// plain HTTP to loopback). identityd issues the cards' certificates with it,
// so the agent can check a card before it shows the card's name.
func (c *Client) CA() *x509.Certificate { return c.ca.Load() }

func retryIdempotent(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil {
		return false
	}
	switch resp.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrUntrusted) && !errors.Is(err, ErrRedirected)
	}
	switch resp.StatusCode() {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// restyLogger sends resty's own messages (retries, warnings) to slog at
// debug level. They carry no headers or bodies with debug mode off.
type restyLogger struct{ l *slog.Logger }

func (r restyLogger) Errorf(format string, v ...any) {
	r.l.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (r restyLogger) Warnf(format string, v ...any) { r.l.Debug("resty: " + fmt.Sprintf(format, v...)) }
func (r restyLogger) Debugf(format string, v ...any) {
	r.l.Debug("resty: " + fmt.Sprintf(format, v...))
}
