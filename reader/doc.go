// Package reader is cardagent's only door to PC/SC (and the only importer of
// github.com/ebfe/scard): it lists readers, watches them for cards coming and
// going, and opens cards for short exclusive transactions.
//
// Everything PC/SC reports is turned into typed errors (ErrNoService,
// ErrNoReader, ErrNoCard, ErrRemoved, ErrReset, …) so callers use errors.Is
// and never see a PC/SC code. The Monitor survives pcscd restarts: it drops
// its context, reports the service lost, and re-reports the true state when
// the service is back.
package reader
