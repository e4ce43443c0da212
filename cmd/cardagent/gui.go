package main

import (
	"context"

	"fyne.io/fyne/v2/app"

	"github.com/cardagent/cardagent/ui"
)

// runGUI shows the window. The agent runs beside the Fyne loop; Quit in the
// UI stops the agent, which ends the session and clears the keyring before
// the process exits.
func runGUI(ctx context.Context, args []string) error {
	c, _, err := loadConfig("cardagent", args)
	if err != nil {
		return err
	}
	parts, err := wire(ctx, c)
	if err != nil {
		return err
	}
	a := app.NewWithID("uk.nhs.cardagent")
	w := ui.New(a, parts.agent)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { done <- parts.run(ctx) }()
	w.Run() // returns when the window closes or Quit is chosen
	cancel()
	return <-done
}
