package ui

import (
	"time"

	"fyne.io/fyne/v2"

	"github.com/cardagent/cardagent/session"
)

// bridge is the one boundary between the session's goroutines and Fyne:
// it reads States from the subscription and applies each on the Fyne
// goroutine, and while a session is active it ticks the session clock once
// a second (only then, so an idle agent does not wake up).
func (u *UI) bridge(states <-chan session.State, done <-chan struct{}) {
	var ticker *time.Ticker
	var ticks <-chan time.Time
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
	}()
	for {
		select {
		case st, ok := <-states:
			if !ok {
				onFyne(u.sessionEnded)
				return
			}
			switch active := st.Screen == session.ScreenActive && st.Active != nil; {
			case active && ticker == nil:
				ticker = time.NewTicker(time.Second)
				ticks = ticker.C
			case !active && ticker != nil:
				ticker.Stop()
				ticker, ticks = nil, nil
			}
			onFyne(func() { u.apply(st) })
		case now := <-ticks:
			onFyne(func() { u.tick(now) })
		case <-done:
			return
		}
	}
}

// onFyne runs f on the Fyne goroutine: the package's only fyne.Do.
func onFyne(f func()) {
	fyne.Do(f)
}
