package reader

import (
	"os"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
)

// The package's tests that need PC/SC run against a pcscd of their own with
// two vpcd readers (rig), started before any PC/SC call: pcsc-lite's client
// reads its socket's name once per process.
var (
	rig    *testkit.PCSC
	rigErr error
)

func TestMain(m *testing.M) {
	rig, rigErr = testkit.StartPCSC()
	code := m.Run()
	if rig != nil {
		rig.Close()
	}
	os.Exit(code)
}
