package vcard

import (
	"bytes"

	"github.com/cardagent/cardagent/reader/apdu"
)

// doSelect implements SELECT by AID (SP 800-73-4 Part 2 §3.1.1). Any prefix
// of the PIV AID at least as long as the RID selects it, as on real cards.
// A failed SELECT leaves the current application selected (ISO/IEC 7816-4).
func (c *Card) doSelect(cmd apdu.Command) ([]byte, status) {
	if cmd.P1 != 0x04 {
		return nil, apdu.SWNotFound // selection by file: this card has no files
	}
	if cmd.P2&^0x0C != 0 { // first occurrence; FCI, FCP, FMD or nothing
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) < len(pivRID) || !bytes.HasPrefix(pivAID, cmd.Data) {
		return nil, apdu.SWNotFound
	}
	c.selected = true
	// Selecting ends a management-key session (and any half-done exchange).
	c.mgmtAuthed, c.mgmtPending = false, nil
	if cmd.P2 == 0x0C {
		return nil, apdu.SWSuccess
	}
	return applicationPropertyTemplate(), apdu.SWSuccess
}

// applicationPropertyTemplate is the SELECT answer (SP 800-73-4 Part 2
// §3.1.1 Table 3): PIX, coexistent tag allocation authority, supported
// algorithms.
func applicationPropertyTemplate() []byte {
	var algs []byte
	for _, a := range []byte{alg3DES, algAES128, algAES192, algAES256, algRSA1024, algRSA2048, algECP256, algECP384} {
		algs = apdu.AppendTLV(algs, 0x80, []byte{a})
	}
	algs = apdu.AppendTLV(algs, 0x06, []byte{0x00}) // object identifier: none
	return apdu.Encode(0x61,
		apdu.Encode(0x4F, pivPIX),
		apdu.Encode(0x79, apdu.Encode(0x4F, pivAID)),
		apdu.Encode(0x50, []byte("cardagent vcard")),
		apdu.Encode(0xAC, algs),
	)
}
