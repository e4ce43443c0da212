// Command fynefloor is the measuring stick for the agent's idle cost: an
// empty Fyne window of the agent's size. scripts/bench-agent.sh measures
// its idle CPU and RSS beside the agent's, in the same run, so the figures
// show what Fyne itself costs (its GLFW driver polls at 60 Hz even when
// idle: fyne-io/fyne#2506) and what the agent adds. With -hidden the
// window is made but never shown, as the tray-resident agent's is while it
// waits for a card: what Fyne's loop costs with nothing on screen.
package main

import (
	"flag"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	hidden := flag.Bool("hidden", false, "make the window but do not show it")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file until SIGTERM (where the idle time goes)")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			panic(err)
		}
		pprof.StartCPUProfile(f)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		go func() { <-stop; pprof.StopCPUProfile(); f.Close(); os.Exit(0) }()
	}
	a := app.NewWithID("uk.nhs.cardagent.fynefloor")
	w := a.NewWindow("fynefloor")
	w.SetContent(widget.NewLabel("Insert your smartcard"))
	w.Resize(fyne.NewSize(960, 680))
	if *hidden {
		a.Run()
		return
	}
	w.ShowAndRun()
}
