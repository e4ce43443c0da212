// Package locale makes a C locale readable to Fyne. Imported for its side
// effect by the cardagent main.
//
// Fyne reads the locale in its lang package's init, through go-locale,
// which knows "C" and "POSIX" but reads "C.UTF-8" (Debian's default, and
// what make run sets) as the language "C", which golang.org/x/text cannot
// parse: every start then logs "Error parsing user locale C". This init
// runs before that one — Go initialises packages in import-path order once
// their imports are done, and this path sorts before go-locale's, which
// Fyne's lang needs first — and, for a C locale only, names the language
// the agent speaks (British English) in LANGUAGE, which go-locale reads
// then. A locale that is set to a language is left alone.
package locale

import (
	"os"
	"strings"
)

func init() { Settle(os.Getenv, os.Setenv) }

// Settle sets LANGUAGE to en_GB when the locale in force is C or POSIX
// with a codeset (C.UTF-8) and LANGUAGE is empty.
func Settle(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	loc := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} { // gettext's order
		if loc = getenv(name); loc != "" {
			break
		}
	}
	if strings.HasPrefix(loc, "C.") || strings.HasPrefix(loc, "POSIX.") {
		setenv("LANGUAGE", "en_GB")
	}
}
