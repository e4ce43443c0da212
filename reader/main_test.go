package reader

import (
	"os"
	"testing"

	testrig "github.com/cardagent/cardagent/e2e/rig"
)

// The package's tests that need PC/SC run against a pcscd of their own with
// two vpcd readers (rig), started before any PC/SC call: pcsc-lite's client
// reads its socket's name once per process.
var (
	rig    *testrig.PCSC
	rigErr error
)

func TestMain(m *testing.M) {
	rig, rigErr = testrig.StartPCSC()
	code := m.Run()
	if rig != nil {
		rig.Close()
	}
	os.Exit(code)
}
