//go:build !windows

package demo

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyToggle delivers SIGUSR1, the demo's pull/insert toggle, to sig.
func notifyToggle(sig chan<- os.Signal) { signal.Notify(sig, syscall.SIGUSR1) }
