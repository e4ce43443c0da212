package server

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	t.Setenv("GOGC", "")
	TuneGC()
	if got := debug.SetGCPercent(100); got != ServingGCPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, ServingGCPercent)
	}

	t.Setenv("GOGC", "150") // the operator's choice: TuneGC leaves the runtime's alone
	TuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set: GC percent %d, want 100 (untouched)", got)
	}
}
