// Package pcscwait waits on the test rig's readers through package reader,
// for tests and benchmarks that swap virtual cards (testkit may not import
// reader: reader's own tests use testkit).
package pcscwait

import (
	"time"

	"github.com/cardagent/cardagent/reader"
)

// Empty waits, at most within, until PC/SC reports no card in the named
// reader. A card inserted before pcscd has seen the last one go would be
// taken for the same card, still powered, and fail its first command.
func Empty(name string, within time.Duration) {
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		readers, err := reader.List()
		if err != nil {
			return
		}
		present := false
		for _, r := range readers {
			present = present || r.Name == name && r.Present
		}
		if !present {
			return
		}
	}
}
