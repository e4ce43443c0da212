// Command fynefloor is the measuring stick for the agent's idle cost: an
// empty Fyne window of the agent's size. scripts/bench-agent.sh measures
// its idle CPU and RSS beside the agent's, in the same run, so the figures
// show what Fyne itself costs (its GLFW driver polls at 60 Hz even when
// idle: fyne-io/fyne#2506) and what the agent adds.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("uk.nhs.cardagent.fynefloor")
	w := a.NewWindow("fynefloor")
	w.SetContent(widget.NewLabel("Insert your smartcard"))
	w.Resize(fyne.NewSize(960, 680))
	w.ShowAndRun()
}
