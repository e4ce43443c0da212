//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// The signals that pull the card and insert it again.
var sigPull, sigInsert os.Signal = syscall.SIGUSR1, syscall.SIGUSR2

// notifyPullInsert delivers SIGUSR1 (pull the card) and SIGUSR2 (insert
// it) to sig.
func notifyPullInsert(sig chan<- os.Signal) { signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2) }
