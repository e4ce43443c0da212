package vcard

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/reader/apdu"
)

// The methods below are test and demo aids: they change the card directly,
// as a card issuer's personalisation step would, without APDUs or
// authentication. Agent code must never rely on them.

// Provision puts key into slot (9A, 9C, 9D, 9E or 82–95) and, if certDER is
// not nil, its certificate into the matching object.
func (c *Card) Provision(slot byte, key crypto.Signer, certDER []byte) error {
	if !isKeySlot(slot) {
		return fmt.Errorf("vcard: %02X is not a key slot", slot)
	}
	alg, err := keyAlg(key)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if certDER != nil {
		tag, _ := certTag(slot)
		c.st.Objects[tagName(tag)] = certObject(certDER)
	}
	if sw := c.storeKey(slot, &slotKey{Alg: alg, Origin: originImported, TouchPolicy: touchPolicyNever}, key); sw != apdu.SWSuccess {
		return errors.New("vcard: cannot persist the card state")
	}
	return nil
}

// PutObject stores a data object (tag 5FC1xx …) with value as the content
// of its 53 container; nil deletes it.
func (c *Card) PutObject(tag uint32, value []byte) error {
	if !writableTag(tag) {
		return fmt.Errorf("vcard: object %X is not writable", tag)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if value == nil {
		delete(c.st.Objects, tagName(tag))
	} else {
		c.st.Objects[tagName(tag)] = apdu.Encode(tagObject, value)
	}
	return c.persist()
}

// SetPIN sets the PIN (unpadded) and restores its tries; it must pass the
// card's passcode rule.
func (c *Card) SetPIN(pin []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(pin) > passcodeLen || !c.pinAcceptable(pad8(pin)) {
		return errors.New("vcard: PIN does not match the passcode rule")
	}
	c.st.PIN, c.st.PINTries = pad8(pin), c.st.PINRetries
	return c.persist()
}

// SetPUK sets the PUK (6–8 bytes, unpadded) and restores its tries.
func (c *Card) SetPUK(puk []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(puk) > passcodeLen || !pukAcceptable(pad8(puk)) {
		return errors.New("vcard: PUK must be 6–8 bytes")
	}
	c.st.PUK, c.st.PUKTries = pad8(puk), c.st.PUKRetries
	return c.persist()
}

// Management key algorithms for SetManagementKey (SP 800-78-4 Table 6-2).
const (
	MgmtAlg3DES   = alg3DES
	MgmtAlgAES128 = algAES128
	MgmtAlgAES192 = algAES192
	MgmtAlgAES256 = algAES256
)

// SetManagementKey sets the 9B key, as the backend's diversified key would
// be set at issuance.
func (c *Card) SetManagementKey(alg byte, key []byte) error {
	if n := mgmtKeyLen(alg); n == 0 || len(key) != n {
		return fmt.Errorf("vcard: management key of %d bytes does not fit algorithm %02X", len(key), alg)
	}
	if _, err := mgmtCipher(alg, key); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.MgmtAlg, c.st.MgmtKey = alg, append(hexBytes(nil), key...)
	return c.persist()
}
