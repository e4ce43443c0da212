package loadtest

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

// cpuSplit is where a run's CPU time went: the server child, this process
// (the load generator) and the whole machine, whose rest is the database
// server (PostgreSQL) and anything else running.
type cpuSplit struct {
	server, generator time.Duration
	machine           MachineCPU
}

func readCPUSplit(srv *Server) (cpuSplit, error) {
	var c cpuSplit
	var err error
	if c.server, err = srv.CPU(); err != nil {
		return c, err
	}
	if c.generator, err = ProcessCPU(os.Getpid()); err != nil {
		return c, err
	}
	c.machine, err = ReadMachineCPU()
	return c, err
}

func (c cpuSplit) sub(o cpuSplit) cpuSplit {
	return cpuSplit{server: c.server - o.server, generator: c.generator - o.generator, machine: c.machine.Sub(o.machine)}
}

// report writes the split per renewal and what identityd alone would
// sustain per core at its CPU cost.
func (c cpuSplit) report(w io.Writer, n int64) {
	per := func(d time.Duration) time.Duration { return (d / time.Duration(max(n, 1))).Round(time.Microsecond) }
	rest := max(c.machine.Busy-c.server-c.generator, 0)
	fmt.Fprintf(w, "  CPU split: identityd %.1fs (%v a renewal), load generator %.1fs (%v), rest of the machine (database server, anything else) %.1fs (%v), idle %.1fs",
		c.server.Seconds(), per(c.server), c.generator.Seconds(), per(c.generator), rest.Seconds(), per(rest), c.machine.Idle.Seconds())
	if c.server > 0 {
		fmt.Fprintf(w, "; identityd alone would sustain %.0f renewals/s per core", float64(n)/c.server.Seconds())
	}
	fmt.Fprintln(w)
}

// profiled runs fn under this process's CPU profile written to path (no
// profile if path is empty).
func profiled[T any](path string, fn func() (T, error)) (T, error) {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		var zero T
		return zero, err
	}
	defer pprof.StopCPUProfile()
	return fn()
}
