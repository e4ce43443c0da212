//go:build e2e

package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/vcard"
)

// pcscdPoll is how long pcscd may take to notice a vpcd card: it polls the
// driver every 400 ms, so allow several rounds on a loaded machine.
const pcscdPoll = 5 * time.Second

func TestMonitorSeesInsertAndRemove(t *testing.T) {
	needRig(t)
	_, ch := startMonitor(t)
	for range 2 {
		waitEvent(t, ch, pcscdPoll, reader.ReaderAdded)
	}
	card, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := insert(t, card, 0)
	e := waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	if string(e.ATR) != string(card.ATR()) {
		t.Fatalf("inserted event %+v, want reader %q ATR % X", e, rig.ReaderName(0), card.ATR())
	}
	s.Pull()
	waitCard(t, ch, reader.CardRemoved, rig.ReaderName(0))
	// The second reader works too.
	insert(t, card, 1)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(1))
}

func TestCardPulledMidTransaction(t *testing.T) {
	needRig(t)
	_, ch := startMonitor(t)
	path := t.TempDir() + "/card.json"
	card, err := vcard.Create(path, vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	h, err := reader.Open(rig.ReaderName(0))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	selectPIV := apdu.Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x00, 0x00, 0x03, 0x08}, Ne: 256}
	err = h.Do(context.Background(), func(tx apdu.Transmitter) error {
		cl := &apdu.Client{T: tx}
		if _, err := cl.Do(selectPIV); err != nil {
			return err
		}
		s.Pull() // mid-transaction
		for i := 0; i < 50; i++ {
			if _, err := cl.Do(apdu.Command{INS: 0x20, P2: 0x80}); err != nil && !errors.Is(err, apdu.ErrVerifyFailed) {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	})
	if !errors.Is(err, reader.ErrRemoved) && !errors.Is(err, reader.ErrNoCard) {
		t.Fatalf("pulled card: err = %v, want ErrRemoved", err)
	}
	var rerr *reader.Error
	if !errors.As(err, &rerr) {
		t.Fatalf("error %v is not a *reader.Error", err)
	}
	waitCard(t, ch, reader.CardRemoved, rig.ReaderName(0))
	// The card's state survived: it opens from its file and answers.
	again, err := vcard.Open(path)
	if err != nil {
		t.Fatalf("card state after the pull: %v", err)
	}
	if again.GUID() != card.GUID() {
		t.Fatal("GUID changed")
	}
}

func TestMonitorRecoversFromPcscdRestart(t *testing.T) {
	needRig(t)
	m, ch := startMonitor(t)
	card, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	insert(t, card, 0) // Attach with retry re-inserts when vpcd is back
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	if err := rig.Kill(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, pcscdPoll, reader.ServiceLost)
	if m.ServiceUp() {
		t.Fatal("ServiceUp after pcscd died")
	}
	if err := rig.Start(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, 10*time.Second, reader.ServiceBack)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	if _, err := reader.Open(rig.ReaderName(0)); err != nil {
		t.Fatalf("open after restart: %v", err)
	}
}

func TestNoServiceIsTyped(t *testing.T) {
	needRig(t)
	if err := rig.Stop(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rig.Start(); err != nil {
			t.Fatal(err)
		}
	}()
	if _, err := reader.List(); !errors.Is(err, reader.ErrNoService) {
		t.Fatalf("List with pcscd stopped: %v", err)
	}
}
