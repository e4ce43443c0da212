// Command wardnotes is a sample clinical web application on the
// workstation: its server, on loopback, signs the user in with a ticket
// from the smartcard agent (over D-Bus, or pasted), checks it with
// identityd's keys and introspection, shows who is working in which role,
// and locks its pages the moment the card is pulled.
//
//	wardnotes --identityd https://identityd.example:8443 --ca-pin SHA256
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wardnotes:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8180", "loopback address to serve on")
	identityd := flag.String("identityd", "", "identityd's URL (required)")
	pin := flag.String("ca-pin", "", "SHA-256 of identityd's CA certificate (required)")
	audience := flag.String("audience", "ward-notes", "this application's name in tickets")
	leeway := flag.Duration("clock-leeway", 30*time.Second, "clock difference allowed with identityd")
	recheck := flag.Duration("recheck", 30*time.Second, "how often the sessions are checked with identityd")
	flag.Parse()
	if *identityd == "" || *pin == "" {
		return errors.New("--identityd and --ca-pin are required")
	}
	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q: serve on a loopback address (127.0.0.1:PORT)", *listen)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	host, _ = os.Hostname()
	// The client names its host with each call; introspection ignores it.
	backend, err := client.New(client.Config{BaseURL: *identityd, CAPin: *pin, WorkstationID: "wardnotes@" + host, Retries: -1, Logger: log})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a := &app{verify: &verifier{identityd: backend, audience: *audience, leeway: *leeway}, audience: *audience, log: log,
		sessions: map[string]*appSession{}}
	var states <-chan session.LocalState
	if c, err := localapi.Dial(); err != nil {
		log.Warn("no D-Bus session bus: tickets can only be pasted", "err", err)
	} else {
		defer c.Close()
		a.agent = c
		if states, err = c.Watch(ctx); err != nil {
			log.Warn("cannot follow the smartcard agent: only the rechecks lock", "err", err)
		}
	}
	go a.watch(ctx, states, *recheck)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	fmt.Fprintf(os.Stderr, "wardnotes: listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
