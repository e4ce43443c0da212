package vcard

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/subtle"

	"github.com/cardagent/cardagent/reader/apdu"
)

// mgmtChallenge is the half of a 9B authentication the card remembers
// between the two GENERAL AUTHENTICATE commands.
type mgmtChallenge struct {
	mutual bool   // witness sent (mutual), else challenge sent (external)
	value  []byte // plaintext witness or challenge
}

func mgmtKeyLen(alg byte) int {
	switch alg {
	case alg3DES:
		return 24
	case algAES128:
		return 16
	case algAES192:
		return 24
	case algAES256:
		return 32
	}
	return 0
}

func mgmtCipher(alg byte, key []byte) (cipher.Block, error) {
	if alg == alg3DES {
		return des.NewTripleDESCipher(key)
	}
	return aes.NewCipher(key)
}

// dynAuth parses the dynamic authentication template 7C of GENERAL
// AUTHENTICATE (SP 800-73-4 Part 2 §3.2.4) into its items; a tag present
// with length 0 asks the card to fill it in.
func dynAuth(data []byte) (map[apdu.Tag][]byte, bool) {
	inner, err := apdu.Unwrap(data, tagDynAuth)
	if err != nil {
		return nil, false
	}
	items, err := apdu.ParseAll(inner)
	if err != nil {
		return nil, false
	}
	m := make(map[apdu.Tag][]byte, len(items))
	for _, it := range items {
		if _, dup := m[it.Tag]; dup {
			return nil, false
		}
		m[it.Tag] = it.Value
	}
	return m, true
}

// generalAuthenticate routes GENERAL AUTHENTICATE by key reference.
func (c *Card) generalAuthenticate(cmd apdu.Command) ([]byte, status) {
	switch {
	case cmd.P2 == keyMgmt:
		return c.mgmtAuth(cmd)
	case isKeySlot(cmd.P2):
		return c.useKey(cmd)
	}
	return nil, apdu.SWIncorrectP1P2
}

// mgmtAuth authenticates the host with the 9B management key (SP 800-73-4
// Part 2 Appendix A.1 and A.2), in the two forms tools use:
//
//	mutual:   7C{80 00}          → 7C{80 E(W)}
//	          7C{80 W, 81 C}     → 7C{82 E(C)}   (yubico-piv-tool, piv-tool -A M:9B:03)
//	external: 7C{81 00}          → 7C{81 C}
//	          7C{82 E(C)}        → 9000
func (c *Card) mgmtAuth(cmd apdu.Command) ([]byte, status) {
	pending := c.mgmtPending
	c.mgmtPending = nil
	if cmd.P1 != c.st.MgmtAlg {
		return nil, apdu.SWIncorrectP1P2
	}
	items, ok := dynAuth(cmd.Data)
	if !ok {
		return nil, apdu.SWWrongData
	}
	blk, err := mgmtCipher(c.st.MgmtAlg, c.st.MgmtKey)
	if err != nil {
		return nil, apdu.SWUnknown
	}
	bs := blk.BlockSize()
	witness, hasW := items[tagWitness]
	challenge, hasC := items[tagChallenge]
	response, hasR := items[tagResponse]
	encrypt := func(p []byte) []byte {
		out := make([]byte, bs)
		blk.Encrypt(out, p)
		return out
	}

	switch {
	case hasW && len(witness) == 0 && !hasC: // mutual, step 1
		w := make([]byte, bs)
		rand.Read(w)
		c.mgmtPending = &mgmtChallenge{mutual: true, value: w}
		c.mgmtAuthed = false
		return apdu.Encode(tagDynAuth, apdu.Encode(tagWitness, encrypt(w))), apdu.SWSuccess

	case hasW && len(witness) > 0 && hasC && len(challenge) > 0 && (!hasR || len(response) == 0): // mutual, step 2
		if pending == nil || !pending.mutual || len(witness) != bs ||
			subtle.ConstantTimeCompare(witness, pending.value) != 1 {
			c.mgmtAuthed = false
			return nil, apdu.SWSecurityStatus
		}
		if len(challenge) != bs {
			return nil, apdu.SWWrongData
		}
		c.mgmtAuthed = true
		return apdu.Encode(tagDynAuth, apdu.Encode(tagResponse, encrypt(challenge))), apdu.SWSuccess

	case hasC && len(challenge) == 0 && !hasW && !hasR: // external, step 1
		ch := make([]byte, bs)
		rand.Read(ch)
		c.mgmtPending = &mgmtChallenge{value: ch}
		c.mgmtAuthed = false
		return apdu.Encode(tagDynAuth, apdu.Encode(tagChallenge, ch)), apdu.SWSuccess

	case hasR && len(response) > 0 && !hasW && !hasC: // external, step 2
		if pending == nil || pending.mutual || len(response) != bs ||
			subtle.ConstantTimeCompare(response, encrypt(pending.value)) != 1 {
			c.mgmtAuthed = false
			return nil, apdu.SWSecurityStatus
		}
		c.mgmtAuthed = true
		return nil, apdu.SWSuccess
	}
	return nil, apdu.SWWrongData
}
