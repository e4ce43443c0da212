package api

import "testing"

// Programs are named, never matched: no directory, no pattern characters.
func TestValidExecutableName(t *testing.T) {
	for name, ok := range map[string]bool{
		"wardnotes": true, "pacs-viewer.exe": true, "ICE Desktop": true,
		"": false, ".": false, "..": false, "/usr/bin/ward": false, `C:\ward.exe`: false,
		"ward*": false, "ward?": false, "ward[12]": false, "ward\n": false,
	} {
		if ValidExecutableName(name) != ok {
			t.Errorf("%q: valid %v", name, !ok)
		}
	}
	for _, r := range []RemovalAction{RemovalLockAgent, RemovalLockDesktop, RemovalLogout} {
		if !r.Valid() {
			t.Errorf("%q invalid", r)
		}
	}
	if RemovalAction("").Valid() || RemovalAction("shutdown").Valid() {
		t.Error("an unknown removal action is valid")
	}
}
