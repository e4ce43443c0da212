package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/httpapi"
	"github.com/cardagent/cardagent/backend/identity"
)

// Metrics counts the API's requests and serves them (backend/metrics).
type Metrics interface {
	httpapi.Observer
	Handler() http.Handler
}

// Options for Start.
type Options struct {
	Log *slog.Logger // default: discard
	// Metrics, if set, observes the API and is served on cfg.MetricsListen
	// unless that is "off". Nil: nothing is counted or served.
	Metrics Metrics
}

// Running is an identity service being served: the API over HTTPS, the
// metrics listener if any, and the session sweeper.
type Running struct {
	Addr        string // the API's bound address (useful with port 0)
	MetricsAddr string // "" without a metrics listener
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	errs        chan error
	waited      sync.Once
	err         error
}

// Start is the one way identityd is served (`identityd serve`, the desktop
// demo, the tests): the server certificate for cfg.TLSHosts, the API handler
// with cfg.RequestTimeout and cfg.TrustedProxies, the timeouts above, a
// shutdown bounded by cfg.ShutdownTimeout on every listener, and the
// sweeper every cfg.SweepInterval. It serves until ctx is done or Close.
func Start(ctx context.Context, svc *identity.Service, cfg config.Config, o Options) (*Running, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	tlsCfg, err := svc.ServerTLS(cfg.TLSHosts)
	if err != nil {
		return nil, fmt.Errorf("issuing the server certificate: %w", err)
	}
	hopts := []httpapi.Option{httpapi.WithLogger(log), httpapi.WithRequestTimeout(cfg.RequestTimeout),
		httpapi.WithTrustedProxies(cfg.TrustedProxies)}
	if o.Metrics != nil {
		hopts = append(hopts, httpapi.WithObserver(o.Metrics))
	}
	api, err := Listen(cfg.Listen, httpapi.New(svc, hopts...), tlsCfg, cfg.ShutdownTimeout, log)
	if err != nil {
		return nil, err
	}
	servers := []*Server{api}
	r := &Running{Addr: api.Addr()}
	if o.Metrics != nil && cfg.MetricsListen != "off" {
		m, err := Listen(cfg.MetricsListen, o.Metrics.Handler(), nil, cfg.ShutdownTimeout, log)
		switch {
		case err != nil && cfg.MetricsListen == config.DefaultMetricsListen:
			// The default loopback port may be taken (another identityd on
			// this host): serve without metrics and say so. An address the
			// operator chose must bind.
			log.Warn("serving without metrics: the default metrics address is taken (set --metrics-listen)", "err", err)
		case err != nil:
			api.ln.Close()
			return nil, err
		default:
			servers = append(servers, m)
			r.MetricsAddr = m.Addr()
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	r.cancel, r.errs = cancel, make(chan error, len(servers))
	for _, s := range servers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := s.Serve(sctx); err != nil {
				r.errs <- err
				cancel() // one listener failing stops the others
			}
		}()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		svc.RunSweeper(sctx, cfg.SweepInterval)
	}()
	return r, nil
}

// Wait blocks until serving stopped (ctx done or Close) and every listener
// shut down; a clean shutdown is nil.
func (r *Running) Wait() error {
	r.waited.Do(func() {
		r.wg.Wait()
		close(r.errs)
		for e := range r.errs {
			r.err = errors.Join(r.err, e)
		}
	})
	return r.err
}

// Close stops serving, shuts down gracefully and waits.
func (r *Running) Close() error {
	r.cancel()
	return r.Wait()
}
