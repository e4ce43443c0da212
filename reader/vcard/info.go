package vcard

import (
	"encoding/hex"
	"fmt"
	"sort"
)

// Info is a summary of the card for people (vcard info). It holds no
// secret: no PIN, PUK or key material.
type Info struct {
	GUID          string            `json:"guid"`
	Serial        uint32            `json:"serial"`
	ATR           string            `json:"atr"`
	PINTriesLeft  int               `json:"pin_tries_left"`
	PINRetries    int               `json:"pin_retries"`
	PUKTriesLeft  int               `json:"puk_tries_left"`
	PUKRetries    int               `json:"puk_retries"`
	PINRule       string            `json:"pin_rule"`
	MgmtAlg       string            `json:"mgmt_alg"`
	MgmtKeyIsDflt bool              `json:"mgmt_key_default"`
	Objects       []string          `json:"objects"` // tags, e.g. "5fc102"
	Keys          map[string]string `json:"keys"`    // slot → algorithm
}

var algNames = map[byte]string{
	alg3DES: "3des", algAES128: "aes128", algAES192: "aes192", algAES256: "aes256",
	algRSA1024: "rsa1024", algRSA2048: "rsa2048", algECP256: "eccp256", algECP384: "eccp384",
}

// Info describes the card's persistent state.
func (c *Card) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	in := Info{
		GUID:          hex.EncodeToString(st.GUID),
		Serial:        st.Serial,
		ATR:           hex.EncodeToString(st.ATR),
		PINTriesLeft:  st.PINTries,
		PINRetries:    st.PINRetries,
		PUKTriesLeft:  st.PUKTries,
		PUKRetries:    st.PUKRetries,
		MgmtAlg:       algNames[st.MgmtAlg],
		MgmtKeyIsDflt: st.MgmtAlg == alg3DES && string(st.MgmtKey) == string(defaultMgmtKey),
		Keys:          map[string]string{},
	}
	kind := "printable"
	if st.PINDigitsOnly {
		kind = "digits"
	}
	in.PINRule = fmt.Sprintf("%d-%d %s", st.PINMinLen, st.PINMaxLen, kind)
	for tag := range st.Objects {
		in.Objects = append(in.Objects, tag)
	}
	sort.Strings(in.Objects)
	for slot, k := range st.Keys {
		in.Keys[slot] = algNames[k.Alg]
	}
	return in
}
