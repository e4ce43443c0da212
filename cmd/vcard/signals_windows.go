package main

import "os"

// noSignal is a signal that never arrives.
type noSignal string

func (s noSignal) String() string { return string(s) }
func (noSignal) Signal()          {}

var sigPull, sigInsert os.Signal = noSignal("pull"), noSignal("insert")

// notifyPullInsert does nothing: Windows has no SIGUSR1 or SIGUSR2, so the
// card stays in until the command ends.
func notifyPullInsert(chan<- os.Signal) {}
