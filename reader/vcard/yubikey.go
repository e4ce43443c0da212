package vcard

import (
	"crypto"
	"encoding/binary"

	"github.com/cardagent/cardagent/reader/apdu"
)

// The Yubico extensions yubico-piv-tool and OpenSC use with a YubiKey ATR
// (Yubico "PIV extensions" reference; not in SP 800-73-4).

// getVersion answers the firmware version, 3 bytes.
func (c *Card) getVersion(cmd apdu.Command) ([]byte, status) {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	return append([]byte(nil), firmwareVersion...), apdu.SWSuccess
}

// getSerial answers the serial number, 4 bytes big-endian.
func (c *Card) getSerial(cmd apdu.Command) ([]byte, status) {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	return binary.BigEndian.AppendUint32(nil, c.st.Serial), apdu.SWSuccess
}

// Tags of a GET METADATA answer.
const (
	mdAlgorithm = 0x01
	mdPolicy    = 0x02
	mdOrigin    = 0x03
	mdPublicKey = 0x04
	mdDefault   = 0x05
	mdRetries   = 0x06
	algPIN      = 0xFF // "algorithm" of the PIN and PUK in metadata
)

// getMetadata describes a key reference (P2): algorithm, policies, origin
// and public key of a key; default flag and tries of PIN, PUK, 9B.
func (c *Card) getMetadata(cmd apdu.Command) ([]byte, status) {
	if cmd.P1 != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	var out []byte
	switch ref := cmd.P2; {
	case ref == keyPIN || ref == keyPUK:
		r, _ := c.ref(ref)
		def := pad8(defaultPIN)
		if ref == keyPUK {
			def = pad8(defaultPUK)
		}
		out = apdu.AppendTLV(out, mdAlgorithm, []byte{algPIN})
		out = apdu.AppendTLV(out, mdPolicy, []byte{0, 0})
		out = apdu.AppendTLV(out, mdDefault, []byte{boolByte(string(*r.value) == string(def))})
		out = apdu.AppendTLV(out, mdRetries, []byte{byte(r.max), byte(*r.tries)})
	case ref == keyMgmt:
		def := c.st.MgmtAlg == alg3DES && string(c.st.MgmtKey) == string(defaultMgmtKey)
		out = apdu.AppendTLV(out, mdAlgorithm, []byte{c.st.MgmtAlg})
		out = apdu.AppendTLV(out, mdPolicy, []byte{0, touchPolicyNever})
		out = apdu.AppendTLV(out, mdDefault, []byte{boolByte(def)})
	case isKeySlot(ref):
		k, key := c.st.Keys[slotName(ref)], c.keys[ref]
		if k == nil || key == nil {
			return nil, apdu.SWNotFound
		}
		out = apdu.AppendTLV(out, mdAlgorithm, []byte{k.Alg})
		out = apdu.AppendTLV(out, mdPolicy, []byte{pinPolicy(ref, k), max(k.TouchPolicy, touchPolicyNever)})
		out = apdu.AppendTLV(out, mdOrigin, []byte{k.Origin})
		out = apdu.AppendTLV(out, mdPublicKey, publicKeyTLVs(key.Public()))
	default:
		return nil, apdu.SWRefDataNotFound
	}
	return out, apdu.SWSuccess
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// setMgmtKey replaces the 9B key: data is alg 9B len key; P2 FE would ask
// for touch, which this card does not have but accepts.
func (c *Card) setMgmtKey(cmd apdu.Command) status {
	if cmd.P1 != 0xFF || (cmd.P2 != 0xFF && cmd.P2 != 0xFE) {
		return apdu.SWIncorrectP1P2
	}
	if !c.mgmtAuthed {
		return apdu.SWSecurityStatus
	}
	d := cmd.Data
	if len(d) < 3 || d[1] != keyMgmt {
		return apdu.SWWrongData
	}
	alg, n := d[0], mgmtKeyLen(d[0])
	if n == 0 || int(d[2]) != n || len(d) != 3+n {
		return apdu.SWWrongData
	}
	if _, err := mgmtCipher(alg, d[3:]); err != nil {
		return apdu.SWWrongData
	}
	c.st.MgmtAlg = alg
	c.st.MgmtKey = append(hexBytes(nil), d[3:]...)
	return c.save()
}

// setRetries sets the PIN (P1) and PUK (P2) retry limits. Like a YubiKey it
// needs the management key and the PIN, and sets PIN and PUK back to their
// factory values.
func (c *Card) setRetries(cmd apdu.Command) status {
	if cmd.P1 == 0 || cmd.P2 == 0 || cmd.P1 > 15 || cmd.P2 > 15 {
		return apdu.SWIncorrectP1P2
	}
	if !c.mgmtAuthed || !c.pinVerified {
		return apdu.SWSecurityStatus
	}
	c.st.PINRetries, c.st.PINTries = int(cmd.P1), int(cmd.P1)
	c.st.PUKRetries, c.st.PUKTries = int(cmd.P2), int(cmd.P2)
	c.st.PIN, c.st.PUK = pad8(defaultPIN), pad8(defaultPUK)
	c.pinVerified, c.pinAlways = false, false
	return c.save()
}

// ykReset wipes the application back to factory state; allowed only once
// both PIN and PUK are blocked, as on a YubiKey. The card gets a new GUID.
func (c *Card) ykReset(cmd apdu.Command) status {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return apdu.SWIncorrectP1P2
	}
	if c.st.PINTries != 0 || c.st.PUKTries != 0 {
		return apdu.SWConditionsNotMet
	}
	st, err := factoryState(Options{
		PINMinLen: c.st.PINMinLen, PINMaxLen: c.st.PINMaxLen, PINDigitsOnly: c.st.PINDigitsOnly,
		ATR: c.st.ATR,
	})
	if err != nil {
		return apdu.SWUnknown
	}
	st.Serial = c.st.Serial
	c.st, c.keys = st, map[byte]crypto.Signer{}
	c.resetVolatile()
	c.selected = true
	return c.save()
}
