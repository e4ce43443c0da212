package piv

// ATRExtended reports whether an Answer To Reset advertises extended Lc and
// Le fields: the third byte of the card capabilities (compact-TLV tag 7 in
// the historical bytes, ISO/IEC 7816-4 §12.1.1.9 table 118, bit b7). A
// YubiKey 5 does; many PIV smart cards do not. Any ATR it cannot read
// counts as "no".
func ATRExtended(atr []byte) bool {
	hist, ok := historicalBytes(atr)
	if !ok || len(hist) == 0 {
		return false
	}
	var tlvs []byte
	switch hist[0] {
	case 0x80: // compact-TLV objects, status indicator optional and inside
		tlvs = hist[1:]
	case 0x00: // compact-TLV objects, then a 3-byte status indicator
		if len(hist) < 4 {
			return false
		}
		tlvs = hist[1 : len(hist)-3]
	default:
		return false
	}
	for len(tlvs) > 0 {
		tag, n := tlvs[0]>>4, int(tlvs[0]&0x0F)
		if 1+n > len(tlvs) {
			return false
		}
		if tag == 0x7 && n >= 3 {
			return tlvs[3]&0x40 != 0
		}
		tlvs = tlvs[1+n:]
	}
	return false
}

// historicalBytes skips TS, T0 and the interface bytes (ISO/IEC 7816-3 §8.2)
// and returns the K historical bytes.
func historicalBytes(atr []byte) ([]byte, bool) {
	if len(atr) < 2 {
		return nil, false
	}
	k := int(atr[1] & 0x0F)
	y := atr[1] >> 4
	i := 2
	for {
		for bit := byte(1); bit <= 4; bit <<= 1 { // TAi, TBi, TCi
			if y&bit != 0 {
				i++
			}
		}
		if y&8 == 0 {
			break
		}
		if i >= len(atr) {
			return nil, false
		}
		y = atr[i] >> 4 // TDi
		i++
	}
	if i+k > len(atr) {
		return nil, false
	}
	return atr[i : i+k], true
}
