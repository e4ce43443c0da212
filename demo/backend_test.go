package demo_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/cardagent/cardagent/demo"
)

// TestDemoBackend starts the backend as `make run` does, twice on the same
// data directory: the second start finds the same CA and the demo data.
func TestDemoBackend(t *testing.T) {
	dir := t.TempDir()
	var fingerprints []string
	for range 2 {
		b, err := demo.StartBackend(context.Background(), dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: b.ClientTLS()}}
		resp, err := cl.Get(b.URL + "/readyz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz: %v %v", resp, err)
		}
		resp.Body.Close()
		cl.CloseIdleConnections()
		fingerprints = append(fingerprints, b.Service.CA().Fingerprint())
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if fingerprints[0] != fingerprints[1] {
		t.Fatal("the CA changed between starts")
	}
	// The demo's audit chain is checkpointed in its data directory.
	b, err := demo.StartBackend(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sum, err := b.Service.VerifyAuditCheckpoints(context.Background(), filepath.Join(dir, "audit.checkpoints"))
	if err != nil || sum.Checkpoints == 0 {
		t.Fatalf("verifying the demo's audit chain against its checkpoints: %+v, %v", sum, err)
	}
}
