// Package secret holds identityd's root secret — 32 random bytes from the
// environment or a 0600 file — and derives one purpose-bound key from it per
// use (CA key wrapping, challenge MACs, card management keys, PUK sealing,
// the audit chain's MAC and its checkpoint signing key),
// so no key serves two purposes.
package secret

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Size of the root secret.
const Size = 32

// Purposes of derived keys. Changing a label changes every key derived with it.
const (
	PurposeCAKeyWrap    = "cardagent ca key wrap v1"
	PurposeChallengeMAC = "cardagent challenge mac v1"
	PurposeCardMgmt     = "cardagent card management master v1"
	PurposePUKWrap      = "cardagent puk wrap v1"
	// PurposeUnlockCode keys the hash of emailed unlock codes, so a copy
	// of the database cannot be searched for an 8-digit code.
	PurposeUnlockCode = "cardagent unlock code mac v1"
	// PurposeAuditMAC keys the audit chain's HMAC-SHA-256.
	PurposeAuditMAC = "cardagent audit chain mac v1"
	// PurposeAuditCheckpoint is the seed of the Ed25519 key that signs
	// audit head checkpoints.
	PurposeAuditCheckpoint = "cardagent audit checkpoint ed25519 v1"
	// PurposeAssertionKey is the seed of the P-256 key that signs the
	// assertions local applications get (ES256).
	PurposeAssertionKey = "cardagent app assertion es256 v1"
)

// Root is the root secret. Its String hides it.
type Root struct{ b [Size]byte }

func (r *Root) String() string { return "secret.Root(redacted)" }

// Derive returns the 32-byte key for purpose.
func (r *Root) Derive(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, r.b[:], nil, purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return k
}

// Parse decodes a base64 (standard or URL) 32-byte secret.
func Parse(s string) (*Root, error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil || len(b) != Size {
		return nil, errors.New("secret must be 32 bytes in base64")
	}
	r := &Root{}
	copy(r.b[:], b)
	clear(b)
	return r, nil
}

// Generate makes a new random root secret.
func Generate() *Root {
	r := &Root{}
	if _, err := rand.Read(r.b[:]); err != nil {
		panic(err)
	}
	return r
}

// Encode is the base64 form Parse reads (for writing the secret file only).
func (r *Root) Encode() string { return base64.StdEncoding.EncodeToString(r.b[:]) }

// LoadFile reads the secret from path; if create is set and the file does not
// exist, it generates one and writes it with mode 0600.
func LoadFile(path string, create bool) (*Root, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		r := Generate()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadFile(path, false) // another instance won the race
		}
		if err != nil {
			return nil, fmt.Errorf("creating secret file: %w", err)
		}
		_, werr := f.WriteString(r.Encode() + "\n")
		if err := errors.Join(werr, f.Close()); err != nil {
			return nil, fmt.Errorf("writing secret file: %w", err)
		}
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading secret file: %w", err)
	}
	defer clear(b)
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret file %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	return Parse(string(b))
}
