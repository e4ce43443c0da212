package osstore

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFilePrefsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cardagent", "last-role.json")
	p := &FilePrefs{Path: path}
	if got := p.LastRole("555000000001"); got != "" {
		t.Fatalf("no file yet: %q", got)
	}
	if err := p.SetLastRole("555000000001", "demo-ada-gp"); err != nil {
		t.Fatal(err)
	}
	if err := p.SetLastRole("555000000002", "demo-sam-ra"); err != nil {
		t.Fatal(err)
	}
	again := &FilePrefs{Path: path} // the next start reads the file
	if got := again.LastRole("555000000001"); got != "demo-ada-gp" {
		t.Fatalf("after a restart: %q", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", st.Mode(), err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := again.LastRole("555000000001"); got != "" {
		t.Fatalf("a damaged file gave %q, want a fresh start", got)
	}
}
