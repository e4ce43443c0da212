package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"

	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/reader/vcard"
)

// VPCDAddr is vpcd reader 0: CARDAGENT_VPCD_PORT (set by the rig) or 35963.
func VPCDAddr() string {
	port := os.Getenv("CARDAGENT_VPCD_PORT")
	if _, err := strconv.Atoi(port); err != nil {
		port = "35963"
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// toggleCard inserts card in the virtual reader at addr; each SIGUSR1 pulls
// it out or puts it back, as a hand would. It returns the stop func.
func toggleCard(card *vcard.Card, addr string, log *slog.Logger) func() {
	sig := make(chan os.Signal, 1)
	notifyToggle(sig)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ctx, pull := context.WithCancel(context.Background())
			attached := make(chan struct{})
			go func() {
				defer close(attached)
				if err := card.Attach(ctx, addr, true); err != nil {
					log.Warn("demo card", "err", err)
				}
			}()
			log.Info("demo card inserted (SIGUSR1 pulls it)", "addr", addr)
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

// openCard opens the demo card at path, or makes one: a fresh virtual card
// whose key the embedded identityd enrols for CardUser, with Passcode.
func openCard(ctx context.Context, b *Backend, path string) (*vcard.Card, error) {
	if c, err := vcard.Open(path); err == nil {
		guid := c.GUID()
		if _, err := b.Service.Card(ctx, guid[:]); err == nil {
			return c, nil
		}
		// The store was reset since: enrol a new card.
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	c, err := vcard.Create(path, vcard.Options{})
	if err != nil {
		return nil, err
	}
	guid := c.GUID()
	e, err := enrol(ctx, b.Service, CardUser, guid)
	if err != nil {
		return nil, err
	}
	if err := c.Enrol(e); err != nil {
		return nil, err
	}
	return c, c.SetPIN([]byte(Passcode))
}

// enrol makes a demo card's key (ECDSA P-256, the same in slots 9A and 9C)
// and has svc enrol it for userID.
func enrol(ctx context.Context, svc *identity.Service, userID string, guid [16]byte) (vcard.Enrolment, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return vcard.Enrolment{}, err
	}
	pair, err := svc.EnrolCard(ctx, "demo", userID, guid[:], identity.CardKeys{Authentication: key.Public(), Signature: key.Public()})
	if err != nil {
		return vcard.Enrolment{}, err
	}
	// The card gets its diversified management key, as an issuing desk
	// sets it: renewal relays 9B authentications to identityd for it.
	mk, err := svc.MgmtKey(ctx, guid[:])
	if err != nil {
		return vcard.Enrolment{}, err
	}
	puk, err := svc.IssuingPUK(ctx, guid[:]) // and its PUK, which identityd releases for unlocks
	if err != nil {
		return vcard.Enrolment{}, err
	}
	return vcard.Enrolment{GUID: guid, Key: key, AuthCert: pair.Authentication.Raw, SignCert: pair.Signature.Raw, MgmtKey: mk, PUK: puk}, nil
}
