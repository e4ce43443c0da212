package vcard

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	c, err := Create(path, Options{PINRetries: 5})
	if err != nil {
		t.Fatal(err)
	}
	selectPIV(t, c)
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	pub := generateKey(t, c, 0x9A, algECP256).(*ecdsa.PublicKey)
	runSteps(t, c, []step{
		{name: "printed info", cmd: "00 DB 3F FF 0B 5C 03 5F C1 09 53 04 01 02 03 04", sw: 0x9000},
		{name: "wrong PIN", cmd: "00 20 00 80 08 39 39 39 39 39 39 FF FF", sw: 0x63C4},
		{name: "change PUK", cmd: "00 24 00 81 10 31 32 33 34 35 36 37 38 41 42 43 44 45 46 47 48", sw: 0x9000},
	})
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, %v", st.Mode(), err)
	}

	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.GUID() != c.GUID() {
		t.Fatal("GUID changed")
	}
	selectPIV(t, d)
	runSteps(t, d, []step{
		{name: "tries survive", cmd: "00 20 00 80 00", sw: 0x63C4},
		{name: "PUK survives", cmd: "00 2C 00 80 10 41 42 43 44 45 46 47 48 31 32 33 34 35 36 FF FF", sw: 0x9000},
		{name: "PIN", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x9000},
		{name: "object survives", cmd: "00 CB 3F FF 05 5C 03 5F C1 09 00", want: "53 04 01 02 03 04 90 00"},
	})
	digest := sha256.Sum256([]byte("x"))
	sig, s := sign(t, d, 0x9A, algECP256, digest[:])
	mustSW(t, s, 0x9000, "sign with the reopened key")
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		t.Fatal("key changed across Open")
	}
	if in := d.Info(); in.PINRetries != 5 || in.Keys["9a"] != "eccp256" {
		t.Errorf("Info %+v", in)
	}

	if _, err := Open(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
	os.WriteFile(path+".bad", []byte(`{"format":1}`), 0o600)
	if _, err := Open(path + ".bad"); err == nil {
		t.Error("Open accepted an invalid state")
	}
}

// The wrong-PIN counter is on disk by the time the card answers, so a
// power cut (a process kill) right after the answer cannot give a try back.
func TestTriesPersistedBeforeAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	c, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	selectPIV(t, c)
	mustSW(t, verifyPIN(t, c, "999999"), 0x63C2, "wrong PIN")
	d, err := Open(path) // as if the process died right after answering
	if err != nil {
		t.Fatal(err)
	}
	if in := d.Info(); in.PINTriesLeft != 2 {
		t.Fatalf("tries on disk %d, want 2", in.PINTriesLeft)
	}

	// If the write fails the card says so (6581) and the try is still lost.
	c.beforeWrite = func() error { return errors.New("disk full") }
	mustSW(t, verifyPIN(t, c, "999999"), 0x6581, "wrong PIN, write fails")
	c.beforeWrite = nil
	runSteps(t, c, []step{{name: "counter kept in memory", cmd: "00 20 00 80 00", sw: 0x63C1}})
}

func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	c, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	// A crash mid-write leaves a half-written temp file beside the state.
	leftover := filepath.Join(dir, ".card.json.tmp-123456")
	os.WriteFile(leftover, before[:len(before)/2], 0o600)
	d, err := Open(path)
	if err != nil {
		t.Fatalf("leftover temp file broke the card: %v", err)
	}
	if d.GUID() != c.GUID() {
		t.Fatal("GUID differs")
	}

	// Writes go through a temp file and leave no new ones behind.
	selectPIV(t, d)
	mustSW(t, verifyPIN(t, d, "000000"), 0x63C2, "wrong PIN")
	after, _ := os.ReadFile(path)
	if bytes.Equal(before, after) {
		t.Fatal("state not written")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("directory holds %d entries, want the state and the old leftover", len(ents))
	}

	// writeFileAtomic never leaves a truncated target: a failed write keeps
	// the old content.
	if err := writeFileAtomic(filepath.Join(dir, "nodir", "x"), []byte("y")); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, after) {
		t.Error("state changed by an unrelated failed write")
	}
}

func TestInMemoryCardHasNoFile(t *testing.T) {
	c := newSelected(t, Options{})
	mustSW(t, verifyPIN(t, c, "000000"), 0x63C2, "wrong PIN in memory")
}
