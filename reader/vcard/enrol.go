package vcard

import "crypto"

// Enrolment is a card as a card management system hands it out for demos
// and tests: the card id, the key (in slots 9A and 9C) and the two
// certificates. Where it comes from is not this package's business (the
// demo package keeps enrolments in files).
type Enrolment struct {
	GUID     [16]byte
	Key      crypto.Signer
	AuthCert []byte // DER, slot 9A
	SignCert []byte // DER, slot 9C
	// MgmtKey is the card's own AES-128 management key (9B), as the
	// issuer set it; nil keeps the factory default.
	MgmtKey []byte
	// PUK is the card's PUK as the issuer set it (8 digits); nil keeps
	// the factory default.
	PUK []byte
}

// Enrol personalises the card with e: GUID, keys and certificates. Like
// Provision it is a demo and test aid, not an APDU path.
func (c *Card) Enrol(e Enrolment) error {
	if err := c.SetGUID(e.GUID); err != nil {
		return err
	}
	if err := c.Provision(0x9A, e.Key, e.AuthCert); err != nil {
		return err
	}
	if err := c.Provision(0x9C, e.Key, e.SignCert); err != nil {
		return err
	}
	if e.PUK != nil {
		if err := c.SetPUK(e.PUK); err != nil {
			return err
		}
	}
	if e.MgmtKey == nil {
		return nil
	}
	return c.SetManagementKey(algAES128, e.MgmtKey)
}

// SetGUID gives the card a new identity: the GUID in a fresh CHUID.
func (c *Card) SetGUID(guid [16]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.GUID = append(hexBytes(nil), guid[:]...)
	c.st.Objects[tagName(tagCHUID)] = newCHUID(guid[:])
	return c.persist()
}
