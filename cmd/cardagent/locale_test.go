package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Fyne reads the locale when the program starts. With Debian's default
// LANG=C.UTF-8 it must not complain (internal/locale settles it first):
// the test binary links the same packages as the agent, so starting it
// anew runs the same inits in the same order.
func TestStartIsQuietInACLocale(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "LANG=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(string(out), "locale") {
		t.Fatalf("the start logged a locale problem:\n%s", out)
	}
}
