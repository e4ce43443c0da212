package httpapi

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	tests := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"peer", "198.51.100.7:40000", nil, nil, "198.51.100.7"},
		{"IPv6 peer", "[2001:db8::1]:40000", nil, nil, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:198.51.100.7]:1", nil, nil, "198.51.100.7"},
		{"XFF ignored by default", "198.51.100.7:40000", []string{"203.0.113.9"}, nil, "198.51.100.7"},
		{"XFF from an untrusted peer", "198.51.100.7:40000", []string{"203.0.113.9"}, proxies, "198.51.100.7"},
		{"XFF from a trusted proxy", "10.1.2.3:40000", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"a client cannot prepend", "10.1.2.3:40000", []string{"1.2.3.4, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"through two trusted proxies", "10.1.2.3:40000", []string{"203.0.113.9, 192.0.2.1"}, proxies, "203.0.113.9"},
		{"two headers", "10.1.2.3:40000", []string{"203.0.113.9", "10.9.9.9"}, proxies, "203.0.113.9"},
		{"garbage hop stops the walk", "10.1.2.3:40000", []string{"203.0.113.9, <script>"}, proxies, "10.1.2.3"},
		{"trusted proxy without XFF", "10.1.2.3:40000", nil, proxies, "10.1.2.3"},
		{"not an address", "@", nil, nil, "unknown"},
	}
	for _, tt := range tests {
		if got := clientAddr(tt.remote, tt.xff, tt.trusted); got != tt.want {
			t.Errorf("%s: clientAddr(%q, %q) = %q, want %q", tt.name, tt.remote, tt.xff, got, tt.want)
		}
	}
}
