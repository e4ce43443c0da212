package doctor

import (
	"context"
	"errors"
	"time"

	"github.com/cardagent/cardagent/client"
)

// Pinger is the backend check: *client.Client pings over TLS pinned to the
// backend's CA.
type Pinger interface {
	Ping(ctx context.Context) error
}

const (
	fixUnreachable = "Check the network cable or Wi-Fi and that the identity service address in the agent's configuration is right; if it is, the service may be down: contact your IT service desk."
	fixUntrusted   = "The identity service's certificate does not match the CA fingerprint this workstation pins (--ca-pin). If the service was reinstalled, update the pin from `identityd ca fingerprint`; otherwise contact your IT service desk — someone may be intercepting the connection."
)

// CheckBackend pings the backend, bounded by timeout.
func CheckBackend(ctx context.Context, p Pinger, url string, timeout time.Duration) *BackendFinding {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	err := p.Ping(ctx)
	f := &BackendFinding{URL: url, LatencyMS: time.Since(start).Milliseconds()}
	switch {
	case err == nil:
		f.OK = true
	case errors.Is(err, client.ErrUntrusted):
		f.Problem, f.Fix = "The identity service's certificate is not the pinned one.", fixUntrusted
	case errors.Is(err, client.ErrUnreachable):
		f.Problem, f.Fix = "The identity service cannot be reached.", fixUnreachable
	default:
		f.Problem, f.Fix = "The identity service answered with an error: "+err.Error(), fixUnreachable
	}
	return f
}

// BackendFinding is the backend check's result.
type BackendFinding struct {
	URL       string `json:"url"`
	LatencyMS int64  `json:"latency_ms"`
	Finding
}
