package doctor

import (
	"context"
	"errors"
	"time"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/wording"
)

// Pinger is the backend check: *client.Client pings over TLS pinned to the
// backend's CA.
type Pinger interface {
	Ping(ctx context.Context) error
}

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
		f.Finding = finding(wording.SetupUntrusted)
	case errors.Is(err, client.ErrUnreachable):
		f.Finding = finding(wording.SetupUnreachable)
	default:
		f.Finding = finding(wording.BackendFailed(err.Error()))
	}
	return f
}

// AddBackend puts the backend check on the report: an unusable backend
// makes the workstation unusable, and its problem the report's.
func (r *Report) AddBackend(f *BackendFinding) {
	r.Backend = f
	if !f.OK && r.Usable {
		r.Usable = false
		r.Problem, r.Fix = f.Problem, f.Fix
	}
}

// BackendFinding is the backend check's result.
type BackendFinding struct {
	URL       string `json:"url"`
	LatencyMS int64  `json:"latency_ms"`
	Finding
}
