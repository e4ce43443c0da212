package vcard

// Instructions (NIST SP 800-73-4 Part 2 §3, and Yubico's PIV extensions).
const (
	insSelect      byte   = 0xA4 // §3.1.1
	insGetData     byte   = 0xCB // §3.1.2
	insVerify      byte   = 0x20 // §3.2.1
	insChangeRef   byte   = 0x24 // §3.2.2
	insResetRetry  byte   = 0x2C // §3.2.3
	insGenAuth     byte   = 0x87 // §3.2.4
	insPutData     byte   = 0xDB // §3.3.1
	insGenerate    byte   = 0x47 // §3.3.3
	insGetResponse byte   = 0xC0 // ISO/IEC 7816-4 §7.6.1
	insGetMetadata byte   = 0xF7 // Yubico
	insGetSerial   byte   = 0xF8 // Yubico, firmware 5+
	insSetRetries  byte   = 0xFA // Yubico
	insYKReset     byte   = 0xFB // Yubico
	insGetVersion  byte   = 0xFD // Yubico
	insSetMgmtKey  byte   = 0xFF // Yubico
	insImportKey   byte   = 0xFE // Yubico (not implemented)
	insAttest      byte   = 0xF9 // Yubico (not implemented)
	pivDataP1P2    uint16 = 0x3FFF
	maxChainedData        = 1 << 16 // more than any PIV object (cert ≤ ~3 KB)
	maxObjectSize         = 3 * 1024 * 4
)

// pivAID is the PIV Card Application AID with version (SP 800-73-4 Part 1
// §2.2); pivPIX is its PIX and pivRID the NIST RID, the shortest prefix a
// SELECT may use.
var (
	pivAID = []byte{0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}
	pivPIX = pivAID[5:]
	pivRID = pivAID[:5]
)

// Key references (SP 800-78-4 Table 6-1, SP 800-73-4 Part 1 §3.1).
const (
	keyPIN  byte = 0x80
	keyPUK  byte = 0x81
	keyMgmt byte = 0x9B
	slot9A  byte = 0x9A // PIV authentication
	slot9C  byte = 0x9C // digital signature
	slot9D  byte = 0x9D // key management
	slot9E  byte = 0x9E // card authentication
	slot82  byte = 0x82 // first retired key management key
	slot95  byte = 0x95 // last retired key management key
)

// Algorithm identifiers (SP 800-78-4 Table 6-2 and 6-3).
const (
	alg3DES    byte = 0x03
	algRSA1024 byte = 0x06
	algRSA2048 byte = 0x07
	algAES128  byte = 0x08
	algAES192  byte = 0x0A
	algAES256  byte = 0x0C
	algECP256  byte = 0x11
	algECP384  byte = 0x14
)

// Dynamic authentication template tags (SP 800-73-4 Part 2 §3.2.4 Table 7).
const (
	tagDynAuth     = 0x7C
	tagWitness     = 0x80
	tagChallenge   = 0x81
	tagResponse    = 0x82
	tagExponential = 0x85
)

// Data object tags (SP 800-73-4 Part 1 §3 Table 3).
const (
	tagObject       = 0x53 // container of every object's value
	tagTagList      = 0x5C // GET/PUT DATA tag list
	tagDiscovery    = 0x7E // discovery object, read-only
	tagCHUID        = 0x5FC102
	tagCCC          = 0x5FC107
	tagCert9A       = 0x5FC105
	tagCert9C       = 0x5FC10A
	tagCert9D       = 0x5FC10B
	tagCert9E       = 0x5FC101
	tagFacialImage  = 0x5FC108
	tagPrintedInfo  = 0x5FC109
	tagKeyHistory   = 0x5FC10C
	tagBiometricGrp = 0x7F61
)

// Key policies as Yubico encodes them in GENERATE (tags AA, AB) and GET
// METADATA.
const (
	pinPolicyDefault byte = 0x00
	pinPolicyNever   byte = 0x01
	pinPolicyOnce    byte = 0x02
	pinPolicyAlways  byte = 0x03
	touchPolicyNever byte = 0x01
	originGenerated  byte = 0x01
	originImported   byte = 0x02
)

// defaultMgmtKey is the factory 3DES management key every vendor ships.
var defaultMgmtKey = []byte{
	1, 2, 3, 4, 5, 6, 7, 8,
	1, 2, 3, 4, 5, 6, 7, 8,
	1, 2, 3, 4, 5, 6, 7, 8,
}

// Factory passcodes, as on a new YubiKey.
var (
	defaultPIN = []byte("123456")
	defaultPUK = []byte("12345678")
)

// defaultATR is the contact ATR YubiKey 4 and 5 (USB) present ("Yubikey4" in
// the historical bytes): OpenSC and other middleware know it. It advertises
// no extended APDUs, so hosts stay on short APDUs with chaining.
var defaultATR = []byte{0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x59, 0x75, 0x62, 0x69, 0x6B, 0x65, 0x79, 0x34, 0xD4}

// firmwareVersion is what GET VERSION reports: recent enough that tools
// use INS F8 for the serial and trust AES management keys and metadata.
var firmwareVersion = []byte{5, 4, 3}

func isKeySlot(ref byte) bool {
	switch ref {
	case slot9A, slot9C, slot9D, slot9E:
		return true
	}
	return ref >= slot82 && ref <= slot95
}

// certTag maps a key slot to the certificate object that goes with it
// (SP 800-73-4 Part 1 Table 3 and §3.1.3 for the retired slots 5FC10D…).
func certTag(slot byte) (uint32, bool) {
	switch slot {
	case slot9A:
		return tagCert9A, true
	case slot9C:
		return tagCert9C, true
	case slot9D:
		return tagCert9D, true
	case slot9E:
		return tagCert9E, true
	}
	if slot >= slot82 && slot <= slot95 {
		return 0x5FC10D + uint32(slot-slot82), true
	}
	return 0, false
}
