//go:build !linux

package terminal

// echoOff is left to ReadPassword here: it turns the echo off as it starts.
func echoOff(int) error { return nil }
