package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"time"
)

// ServerTLS issues a fresh server certificate from the service's CA for
// hosts (a new key each start: nothing to store or rotate) and returns the
// TLS configuration to serve with. Clients pin the CA.
func (s *Service) ServerTLS(hosts []string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := s.now()
	cert, err := s.ca.IssueServer(key.Public(), hosts, now.Add(-5*time.Minute), now.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{
			Certificate: [][]byte{cert.Raw, s.ca.Certificate().Raw},
			PrivateKey:  key,
			Leaf:        cert,
		}},
	}, nil
}

// ClientTLS is the TLS configuration a client pinning this CA uses.
func (s *Service) ClientTLS() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: s.ca.Roots()}
}
