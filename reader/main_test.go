package reader

import (
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
)

// The package's tests that need PC/SC run against a pcscd of their own with
// two vpcd readers (rig).
var (
	rig    *testkit.PCSC
	rigErr error
)

func TestMain(m *testing.M) {
	testkit.MainWithPCSC(m, func(p *testkit.PCSC, err error) { rig, rigErr = p, err })
}
