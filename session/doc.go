// Package session is the agent's brain: one state machine that turns reader
// events and user intents into card commands and backend calls, and
// publishes immutable State snapshots for the UI. It imports neither Fyne
// nor PC/SC: the UI renders States and calls intents; the reader package
// owns PC/SC.
//
// All card and backend work runs on one goroutine that owns the state, with
// contexts and timeouts, so the UI never blocks and a card removal is
// handled first: the screen locks before any network call is made.
package session
