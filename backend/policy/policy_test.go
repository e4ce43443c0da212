package policy

import (
	"testing"
	"time"
)

// An assertion for a local application lasts 1 s to 5 minutes.
func TestAssertionLifetimeBounds(t *testing.T) {
	for d, ok := range map[time.Duration]bool{0: false, time.Second: true, 3 * time.Second: true, 5 * time.Minute: true, 5*time.Minute + time.Second: false} {
		p := Default()
		p.AssertionLifetime = d
		if err := p.Validate(); (err == nil) != ok {
			t.Errorf("assertion lifetime %v: %v", d, err)
		}
	}
}
