package locale

import "testing"

func TestSettle(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "en_GB"},
		{map[string]string{"LC_ALL": "POSIX.utf8", "LANG": "de_DE.UTF-8"}, "en_GB"},
		{map[string]string{"LANG": "C"}, ""},           // go-locale reads plain C itself
		{map[string]string{"LANG": "cy_GB.UTF-8"}, ""}, // a language: left alone
		{map[string]string{"LC_MESSAGES": "fr_FR", "LANG": "C.UTF-8"}, ""},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "cy"}, "cy"},
	} {
		env := map[string]string{}
		for k, v := range c.env {
			env[k] = v
		}
		Settle(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
		if env["LANGUAGE"] != c.want {
			t.Errorf("%v: LANGUAGE %q, want %q", c.env, env["LANGUAGE"], c.want)
		}
	}
}
