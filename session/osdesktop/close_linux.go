package osdesktop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// CloseApplications ends this user's processes whose executable file is
// named exactly one of names: SIGTERM, then SIGKILL for those still
// running after Grace. A process is held by a pidfd from the moment it is
// matched, so a PID reused meanwhile is never signalled.
func (d Desktop) CloseApplications(ctx context.Context, names []string) ([]string, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	grace := d.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	type target struct {
		name string
		fd   int
	}
	var targets []target
	var errs []error
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		name, ok := ownExecutable(pid)
		if !ok || !want[name] {
			continue
		}
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue // it has gone
		}
		if again, ok := ownExecutable(pid); !ok || again != name { // the PID was reused before the pidfd
			unix.Close(fd)
			continue
		}
		if err := unix.PidfdSendSignal(fd, unix.SIGTERM, nil, 0); err != nil {
			unix.Close(fd)
			errs = append(errs, fmt.Errorf("%s (%d): %w", name, pid, err))
			continue
		}
		targets = append(targets, target{name, fd})
	}
	var closed []string
	deadline := time.Now().Add(grace)
	for _, t := range targets {
		if !exited(ctx, t.fd, time.Until(deadline)) {
			if err := unix.PidfdSendSignal(t.fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("%s: %w", t.name, err))
			}
		}
		unix.Close(t.fd)
		closed = append(closed, t.name)
	}
	return closed, errors.Join(errs...)
}

// ownExecutable is the file name of pid's executable when pid runs as
// this user (a deleted file keeps its name).
func ownExecutable(pid int) (string, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	fi, err := os.Stat(dir)
	if err != nil {
		return "", false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
		return "", false
	}
	exe, err := os.Readlink(dir + "/exe") // kernel threads have none
	if err != nil {
		return "", false
	}
	return filepath.Base(strings.TrimSuffix(exe, " (deleted)")), true
}

// exited waits up to d for the process behind fd to end.
func exited(ctx context.Context, fd int, d time.Duration) bool {
	for end := time.Now().Add(d); ; {
		ms := int(time.Until(end) / time.Millisecond)
		if ms < 0 {
			ms = 0
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, min(ms, 100))
		if n > 0 {
			return true
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			return false
		}
		if ms == 0 || ctx.Err() != nil {
			return false
		}
	}
}
