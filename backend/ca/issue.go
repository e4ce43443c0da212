package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"time"
)

// Profile is the kind of card certificate, named after its PIV slot.
type Profile int

// Card certificate profiles.
const (
	ProfileAuthentication Profile = iota // slot 9A: login (client authentication)
	ProfileSignature                     // slot 9C: digital signature, non-repudiation
)

// Slot is the PIV slot of the profile, as the store names it.
func (p Profile) Slot() string {
	if p == ProfileSignature {
		return "9c"
	}
	return "9a"
}

// CardRequest describes one card certificate to issue.
type CardRequest struct {
	PublicKey crypto.PublicKey // ECDSA P-256 or RSA-2048 from the card
	Profile   Profile
	UserID    string // 12-digit UUID
	Name      string
	CardGUID  []byte // 16 bytes
	NotBefore time.Time
	NotAfter  time.Time
}

var userIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ErrUnsupportedKey is returned for keys other than ECDSA P-256 and RSA-2048.
var ErrUnsupportedKey = errors.New("card key must be ECDSA P-256 or RSA-2048")

// CheckCardKey accepts the key types the card profile allows.
func CheckCardKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return nil
		}
	case *rsa.PublicKey:
		if k.N.BitLen() == 2048 {
			return nil
		}
	}
	return ErrUnsupportedKey
}

// IssueCard signs a card certificate: subject CN = name, serialNumber = user
// UUID; subjectAltName URI urn:uuid:<card GUID> binds it to one card.
func (c *CA) IssueCard(r CardRequest) (*x509.Certificate, error) {
	if err := CheckCardKey(r.PublicKey); err != nil {
		return nil, err
	}
	if !userIDPattern.MatchString(r.UserID) || r.Name == "" || len(r.CardGUID) != 16 {
		return nil, errors.New("card certificate needs a 12-digit user id, a name and a 16-byte card GUID")
	}
	if !r.NotAfter.After(r.NotBefore) || r.NotAfter.After(c.cert.NotAfter) {
		return nil, errors.New("card certificate validity must be non-empty and within the CA's")
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject: pkix.Name{
			CommonName:   r.Name,
			SerialNumber: r.UserID,
			Organization: []string{"cardagent"},
		},
		NotBefore:             r.NotBefore,
		NotAfter:              r.NotAfter,
		URIs:                  []*url.URL{CardURI(r.CardGUID)},
		BasicConstraintsValid: true,
	}
	switch r.Profile {
	case ProfileAuthentication:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case ProfileSignature:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	default:
		return nil, fmt.Errorf("unknown profile %d", r.Profile)
	}
	return c.sign(tmpl, r.PublicKey)
}

// IssueServer signs the TLS server certificate for hosts (names or IPs).
func (c *CA) IssueServer(pub crypto.PublicKey, hosts []string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	if len(hosts) == 0 {
		return nil, errors.New("server certificate needs at least one host")
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"cardagent"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return c.sign(tmpl, pub)
}

func (c *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, pub, c.signer)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// CardURI is the subjectAltName URI naming a card: urn:uuid:8-4-4-4-12.
func CardURI(guid []byte) *url.URL {
	h := hex.EncodeToString(guid)
	return &url.URL{Scheme: "urn", Opaque: "uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]}
}

// SerialHex is the store's form of a certificate serial.
func SerialHex(cert *x509.Certificate) string { return cert.SerialNumber.Text(16) }
