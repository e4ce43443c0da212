package main

import (
	"context"

	"fyne.io/fyne/v2/app"

	"github.com/cardagent/cardagent/cmd/cardagent/internal/wiring"
	"github.com/cardagent/cardagent/ui"
)

// runGUI shows the window. The agent runs beside the Fyne loop; Quit in the
// UI stops the agent, which ends the session and clears the keyring before
// the process exits.
func runGUI(ctx context.Context, args []string) error {
	c, _, err := wiring.LoadConfig("cardagent", args)
	if err != nil {
		return err
	}
	parts, err := wiring.Wire(ctx, c)
	if err != nil {
		return err
	}
	stop := parts.Start(ctx)
	u := ui.New(app.NewWithID("uk.nhs.cardagent"), parts.Agent)
	u.SetResident(c.Resident())
	u.Run() // until the window closes or Quit
	return stop()
}
