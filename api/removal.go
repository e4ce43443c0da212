package api

import "strings"

// RemovalAction is what pulling the card does to the desktop beyond the
// agent's own lock, which always comes first and never waits for it.
type RemovalAction string

const (
	RemovalLockAgent   RemovalAction = "lock-agent"   // the agent's window only (the default)
	RemovalLockDesktop RemovalAction = "lock-desktop" // the desktop's screen lock too
	RemovalLogout      RemovalAction = "logout"       // end the session and close the listed applications
)

// Valid reports whether r is one of the actions ("" is not).
func (r RemovalAction) Valid() bool {
	return r == RemovalLockAgent || r == RemovalLockDesktop || r == RemovalLogout
}

// MaxCloseApplications bounds the list of applications logout closes.
const MaxCloseApplications = 64

// ValidExecutableName reports whether s can name a program to close: a
// file name as the system shows it (no directory, no pattern characters),
// 1 to 255 bytes. Programs are matched by exact name, never by pattern.
func ValidExecutableName(s string) bool {
	return len(s) > 0 && len(s) <= 255 && s != "." && s != ".." && !strings.ContainsAny(s, "/\\*?[]\x00\n")
}
