package loadtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ on Linux (100 on every platform Go supports there).
const clockTicks = 100

// ProcessCPU is the user+system CPU time process pid has used (Linux /proc).
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// MachineCPU is the whole machine's CPU time so far, summed over its cores:
// busy (every state but idle and iowait) and idle (Linux /proc/stat).
type MachineCPU struct{ Busy, Idle time.Duration }

// Sub is the CPU time used between o and m.
func (m MachineCPU) Sub(o MachineCPU) MachineCPU {
	return MachineCPU{Busy: m.Busy - o.Busy, Idle: m.Idle - o.Idle}
}

// ReadMachineCPU reads /proc/stat's cpu line.
func ReadMachineCPU() (MachineCPU, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return MachineCPU{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return MachineCPU{}, errors.New("empty /proc/stat")
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 6 || fields[0] != "cpu" {
		return MachineCPU{}, errors.New("no cpu line in /proc/stat")
	}
	var m MachineCPU
	// user nice system idle iowait irq softirq steal (guest is inside user)
	for i, s := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return MachineCPU{}, fmt.Errorf("parsing /proc/stat: %w", err)
		}
		d := time.Duration(v) * time.Second / clockTicks
		if i == 3 || i == 4 {
			m.Idle += d
		} else {
			m.Busy += d
		}
	}
	return m, nil
}
