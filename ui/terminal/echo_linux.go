package terminal

import "golang.org/x/sys/unix"

// echoOff stops the terminal echoing what is typed, before the passcode
// prompt is printed: a passcode typed the moment the prompt appears (or
// pasted) must not show, even before ReadPassword has started.
func echoOff(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Lflag &^= unix.ECHO
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
