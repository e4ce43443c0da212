// Package cardkeys derives the per-card PIV management keys (slot 9B) and
// makes and seals PUKs. Management keys never leave the backend: the agent
// relays the card's 9B challenge and the backend answers it.
package cardkeys

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/backend/ca"
)

// MgmtKeyLen is the AES-128 management key length.
const MgmtKeyLen = 16

// Deriver derives management keys from a master key.
type Deriver struct{ master []byte }

// NewDeriver keeps master (32 bytes, from the root secret).
func NewDeriver(master []byte) (*Deriver, error) {
	if len(master) < 32 {
		return nil, errors.New("management master key must be at least 32 bytes")
	}
	return &Deriver{master: master}, nil
}

// MgmtKey is the AES-128 management key of one card at one key version:
// HKDF-SHA256(master, salt = card GUID, info = "cardagent-9b-v1" || uint32be(version)).
// Bumping the version rotates the card's key without touching others.
func (d *Deriver) MgmtKey(cardGUID []byte, version int) ([]byte, error) {
	if len(cardGUID) != 16 || version < 1 {
		return nil, fmt.Errorf("management key needs a 16-byte GUID and a version ≥ 1")
	}
	info := binary.BigEndian.AppendUint32([]byte("cardagent-9b-v1"), uint32(version))
	return hkdf.Key(sha256.New, d.master, cardGUID, string(info), MgmtKeyLen)
}

// PUKLen is the PIV PUK length (8 digits).
const PUKLen = 8

// NewPUK makes a random 8-digit PUK.
func NewPUK() []byte {
	p := make([]byte, PUKLen)
	for i := range p {
		var b [1]byte
		for {
			if _, err := rand.Read(b[:]); err != nil {
				panic(err)
			}
			if b[0] < 250 { // no modulo bias
				break
			}
		}
		p[i] = '0' + b[0]%10
	}
	return p
}

// SealPUK encrypts a PUK for the cards table, bound to the card GUID.
func SealPUK(wrapKey, cardGUID, puk []byte) ([]byte, error) {
	return ca.Seal(wrapKey, puk, pukAAD(cardGUID))
}

// OpenPUK decrypts a PUK sealed for this card.
func OpenPUK(wrapKey, cardGUID, sealed []byte) ([]byte, error) {
	return ca.Open(wrapKey, sealed, pukAAD(cardGUID))
}

func pukAAD(guid []byte) []byte { return append([]byte("cardagent-puk-v1"), guid...) }
