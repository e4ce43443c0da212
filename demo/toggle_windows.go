package demo

import "os"

// notifyToggle does nothing: Windows has no SIGUSR1, so the demo card stays
// in until the agent quits.
func notifyToggle(chan<- os.Signal) {}
