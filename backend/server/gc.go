package server

import (
	"os"
	"runtime/debug"
)

// ServingGCPercent is the garbage collector's target for a serving
// identityd. Its live heap is small (tens of MB) and nearly all of a
// request's allocations die with the request, so letting the heap grow to
// five times the live data before a collection costs little memory and
// cut the CPU of a renewal storm by about 5% (make bench).
const ServingGCPercent = 400

// TuneGC sets ServingGCPercent unless the operator set GOGC, which wins.
// Called by a serving process's main, never by a library.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(ServingGCPercent)
	}
}
