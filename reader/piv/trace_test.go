package piv

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

// TestTraceHidesSecrets runs every command that carries a secret with the
// trace on and greps the log for the secrets, in hex and as text.
func TestTraceHidesSecrets(t *testing.T) {
	var log bytes.Buffer
	trace := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v := mgmtVectors[1]
	s := newScript(t,
		selectFull, "90 00",
		"00 20 00 80 08 32 39 30 36 31 37 FF FF", "63 C2",
		"00 20 00 80 08 32 39 30 36 31 37 FF FF", "90 00",
		"00 24 00 80 10 32 39 30 36 31 37 FF FF 38 34 37 31 35 35 FF FF", "90 00",
		"00 24 00 81 10 39 31 38 32 37 33 36 34 38 34 37 31 35 35 FF FF", "90 00",
		"00 2C 00 80 10 39 31 38 32 37 33 36 34 38 34 37 31 35 35 FF FF", "90 00",
	)
	for _, st := range mgmtScript(t, v.p1, v.chal, v.resp, "90 00").steps {
		s.add(st.cmd, st.resp)
	}
	s.add(cat(h("00 FF FF FF 13 08 9B 10"), h(v.key)), h("90 00"))
	s.add(getDataCmd(ObjPrintedInfo), cat(apdu.Encode(0x53, printedInfoObject), h("90 00")))
	put := cat(h("5C 03 5F C1 09"), apdu.Encode(0x53, printedInfoObject))
	s.add(cat(h("00 DB 3F FF"), []byte{byte(len(put))}, put), h("90 00"))

	c := New(s, WithTrace(trace))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Select())
	if err := c.Verify([]byte("290617")); err == nil {
		t.Fatal("wrong PIN accepted")
	}
	must(c.Verify([]byte("290617")))
	must(c.ChangePIN([]byte("290617"), []byte("847155")))
	must(c.ChangePUK([]byte("91827364"), []byte("847155")))
	must(c.Unblock([]byte("91827364"), []byte("847155")))
	must(c.AuthenticateMgmtKey(v.alg, h(v.key)))
	must(c.SetManagementKey(v.alg, h(v.key)))
	p, err := c.PrintedInfo()
	if err != nil {
		t.Fatal(err)
	}
	must(c.PutPrintedInfo(p))
	s.done()

	out := log.String()
	if !strings.Contains(strings.ToLower(out), "00a404000ba0000003080000100001") {
		t.Fatalf("trace is off? %s", out)
	}
	for _, secret := range []string{"290617", "847155", "91827364", "DOE, JANE"} {
		for _, form := range []string{secret, hex.EncodeToString([]byte(secret))} {
			if strings.Contains(strings.ToLower(out), strings.ToLower(form)) {
				t.Errorf("trace shows %q", form)
			}
		}
	}
	for _, secret := range []string{v.resp, v.key} {
		if strings.Contains(out, hex.EncodeToString(h(secret))) {
			t.Errorf("trace shows management key material %s", secret)
		}
	}
	if !strings.Contains(out, "hidden") {
		t.Error("sensitive commands not marked in the trace")
	}
}
