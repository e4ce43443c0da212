package client

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// parsePin reads a SHA-256 fingerprint in hex, with or without colons.
func parsePin(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("client: CA pin must be the SHA-256 fingerprint of the backend's CA (64 hex digits), got %q", s)
	}
	return b, nil
}

// pinnedTLS trusts exactly the CA whose certificate has the given SHA-256:
// the server must present it in its chain and its leaf must verify against
// it for host, the name or IP address in the backend URL (checked even for
// IPs, which TLS leaves out of the SNI). The system roots play no part.
//
// seen receives the pinned CA certificate at each handshake that passes.
func pinnedTLS(pin []byte, host string, seen func(*x509.Certificate)) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection below, which is stricter
		VerifyConnection: func(cs tls.ConnectionState) error {
			var ca *x509.Certificate
			for _, c := range cs.PeerCertificates {
				sum := sha256.Sum256(c.Raw)
				if bytes.Equal(sum[:], pin) {
					ca = c
				}
			}
			if ca == nil || len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("%w: no certificate in the server's chain matches the pin", ErrUntrusted)
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots})
			if err != nil {
				return fmt.Errorf("%w: %v", ErrUntrusted, err)
			}
			seen(ca)
			return nil
		},
	}
}
