package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/embedded"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

// The demo card's owner and passcode (README: "Try it").
const (
	demoUser     = "555000000001" // Dr Ada Demo
	demoPasscode = "123456"
)

// demoRig is the embedded demo: an in-process identityd on loopback with
// demo data, and a virtual demo card in the vpcd reader.
type demoRig struct {
	url, pin string
	stop     func()
}

// demoDir is where the demo keeps its store and card: the user data dir.
func demoDir() (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "cardagent", "demo"), nil
}

func startDemo(ctx context.Context, log *slog.Logger, withCard bool) (*demoRig, error) {
	dir, err := demoDir()
	if err != nil {
		return nil, err
	}
	b, err := embedded.Start(ctx, embedded.Options{DataDir: filepath.Join(dir, "identityd"), Log: log.With("part", "identityd")})
	if err != nil {
		return nil, err
	}
	d := &demoRig{url: b.URL, pin: ca.Fingerprint(b.CA().Raw), stop: func() { b.Close() }}
	log.Info("demo identity backend", "url", b.URL)
	if !withCard || physicalCardPresent() {
		return d, nil
	}
	card, err := demoCard(ctx, b, filepath.Join(dir, "card.json"))
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("preparing the demo card: %w", err)
	}
	stopCard := toggleDemoCard(card, log)
	d.stop = func() { stopCard(); b.Close() }
	return d, nil
}

// toggleDemoCard inserts the demo card in the virtual reader; each SIGUSR1
// pulls it out or puts it back, as a hand would. It returns the stop func.
func toggleDemoCard(card *vcard.Card, log *slog.Logger) func() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ctx, pull := context.WithCancel(context.Background())
			attached := make(chan struct{})
			go func() {
				defer close(attached)
				if err := card.Attach(ctx, vpcdAddr(), true); err != nil {
					log.Warn("demo card", "err", err)
				}
			}()
			log.Info("demo card inserted (SIGUSR1 pulls it)", "addr", vpcdAddr())
			select {
			case <-sig:
				pull()
				<-attached
				log.Info("demo card pulled (SIGUSR1 inserts it)")
			case <-quit:
				pull()
				<-attached
				return
			}
			select {
			case <-sig:
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(quit)
		<-done
	}
}

// physicalCardPresent reports whether a reader other than vpcd holds a card:
// then the demo stays out of the way.
func physicalCardPresent() bool {
	readers, err := reader.List()
	if err != nil {
		return false
	}
	for _, r := range readers {
		if r.Present && !isVirtualReader(r.Name) {
			return true
		}
	}
	return false
}

func isVirtualReader(name string) bool { return len(name) >= 11 && name[:11] == "Virtual PCD" }

// vpcdAddr is vpcd reader 0: CARDAGENT_VPCD_PORT (set by the rig) or 35963.
func vpcdAddr() string {
	port := os.Getenv("CARDAGENT_VPCD_PORT")
	if _, err := strconv.Atoi(port); err != nil {
		port = "35963"
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// demoCard opens the demo card, or makes one: a fresh virtual card whose key
// the embedded identityd enrols for the demo user, with the demo passcode.
func demoCard(ctx context.Context, b *embedded.Backend, path string) (*vcard.Card, error) {
	if c, err := vcard.Open(path); err == nil {
		guid := c.GUID()
		if _, err := b.Service.Card(ctx, guid[:]); err == nil {
			return c, nil
		}
		// The store was reset since: enrol a new card.
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c, err := vcard.Create(path, vcard.Options{})
	if err != nil {
		return nil, err
	}
	guid := c.GUID()
	pair, err := b.Service.EnrolCard(ctx, "demo", demoUser, guid[:], identity.CardKeys{Authentication: key.Public(), Signature: key.Public()})
	if err != nil {
		return nil, err
	}
	e := vcard.Enrolment{GUID: guid, Key: key, AuthCert: pair.Authentication.Raw, SignCert: pair.Signature.Raw}
	if err := c.Enrol(e); err != nil {
		return nil, err
	}
	return c, c.SetPIN([]byte(demoPasscode))
}
