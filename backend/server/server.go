// Package server serves identityd. Start is the one place it is put
// together; Listen is one HTTPS (or plain-HTTP metrics) listener with
// explicit timeouts on every phase and a graceful shutdown bounded in time
// that lets in-flight requests finish.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of each phase of a connection.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 16 << 10
)

// Server is one HTTPS listener.
type Server struct {
	srv             *http.Server
	ln              net.Listener
	shutdownTimeout time.Duration
	log             *slog.Logger
}

// Listen binds addr and returns a server ready to Serve; with a nil tlsCfg
// it serves plain HTTP (the loopback metrics listener).
func Listen(addr string, h http.Handler, tlsCfg *tls.Config, shutdownTimeout time.Duration, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return &Server{
		srv: &http.Server{
			Handler:           h,
			TLSConfig:         tlsCfg,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:              ln,
		shutdownTimeout: shutdownTimeout,
		log:             log,
	}, nil
}

// Addr is the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves TLS until ctx is done, then shuts down gracefully: new
// connections stop at once, in-flight requests get shutdownTimeout to
// finish. A clean shutdown returns nil.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		if s.srv.TLSConfig == nil {
			errc <- s.srv.Serve(s.ln)
			return
		}
		errc <- s.srv.ServeTLS(s.ln, "", "")
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		s.srv.Close()
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
