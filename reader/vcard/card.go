package vcard

import (
	"crypto"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Options shape a factory-fresh card. Zero values take the defaults: PIN of
// 6–8 printable characters, 3 PIN and 3 PUK tries, a YubiKey ATR.
type Options struct {
	PINMinLen, PINMaxLen   int
	PINDigitsOnly          bool
	PINRetries, PUKRetries int
	ATR                    []byte
	// NoPINReset plays a card built before SP 800-73-4: VERIFY P1=FF (drop
	// the verified PIN) answers 6A86, so only a reset makes it forget.
	NoPINReset bool
}

// Card is a software PIV card. It is safe for concurrent use; like a real
// card it executes one command at a time.
type Card struct {
	mu   sync.Mutex
	path string // "" for an in-memory card
	st   *cardState
	keys map[byte]crypto.Signer // parsed from st.Keys

	// Volatile state, lost on reset and power-off.
	selected    bool
	pinVerified bool
	pinAlways   bool // PIN verified and not yet used by a PIN-always key
	mgmtAuthed  bool
	mgmtPending *mgmtChallenge
	chain       *chainBuf
	pending     []byte // response data waiting for GET RESPONSE

	// beforeWrite lets tests make persistence fail.
	beforeWrite func() error
	// beforeAnswer and beforeReply let tests stall or lose an answer over
	// vpcd (BeforeAnswer, BeforeReply).
	beforeAnswer func(cmd []byte)
	beforeReply  func(cmd, reply []byte)
}

var _ apdu.Transmitter = (*Card)(nil)

// New returns a factory-fresh card in memory: random GUID and serial, PIN
// 123456, PUK 12345678, the default 3DES management key, CHUID, CCC and
// discovery object, no keys.
func New(opts Options) (*Card, error) {
	st, err := factoryState(opts)
	if err != nil {
		return nil, err
	}
	return &Card{st: st, keys: map[byte]crypto.Signer{}}, nil
}

// Create makes a factory-fresh card stored at path (which is replaced).
func Create(path string, opts Options) (*Card, error) {
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	c.path = path
	if err := c.persist(); err != nil {
		return nil, fmt.Errorf("vcard: writing %s: %w", path, err)
	}
	return c, nil
}

// Open loads the card stored at path; its changes are written back there.
func Open(path string) (*Card, error) {
	st, err := loadState(path)
	if err != nil {
		return nil, err
	}
	c := &Card{path: path, st: st, keys: map[byte]crypto.Signer{}}
	for name, k := range st.Keys {
		var slot byte
		if _, err := fmt.Sscanf(name, "%02x", &slot); err != nil || !isKeySlot(slot) {
			return nil, fmt.Errorf("vcard: %s: bad key slot %q", path, name)
		}
		s, err := parseKey(k)
		if err != nil {
			return nil, fmt.Errorf("vcard: %s: slot %s: %w", path, name, err)
		}
		c.keys[slot] = s
	}
	return c, nil
}

func factoryState(opts Options) (*cardState, error) {
	st := &cardState{
		Format:        stateFormat,
		GUID:          make([]byte, 16),
		ATR:           append([]byte(nil), opts.ATR...),
		PINMinLen:     opts.PINMinLen,
		PINMaxLen:     opts.PINMaxLen,
		PINDigitsOnly: opts.PINDigitsOnly,
		NoPINReset:    opts.NoPINReset,
		PINRetries:    opts.PINRetries,
		PUKRetries:    opts.PUKRetries,
		MgmtAlg:       alg3DES,
		MgmtKey:       append([]byte(nil), defaultMgmtKey...),
		Keys:          map[string]*slotKey{},
		Objects:       map[string]hexBytes{},
	}
	if st.PINMinLen == 0 {
		st.PINMinLen = 6
	}
	if st.PINMaxLen == 0 {
		st.PINMaxLen = 8
	}
	if st.PINMinLen < 1 || st.PINMinLen > st.PINMaxLen || st.PINMaxLen > 8 {
		return nil, fmt.Errorf("vcard: PIN length rule %d–%d is not within 1–8", st.PINMinLen, st.PINMaxLen)
	}
	if st.PINRetries == 0 {
		st.PINRetries = 3
	}
	if st.PUKRetries == 0 {
		st.PUKRetries = 3
	}
	st.PINTries, st.PUKTries = st.PINRetries, st.PUKRetries
	if len(st.ATR) == 0 {
		st.ATR = append([]byte(nil), defaultATR...)
	}
	if _, err := rand.Read(st.GUID); err != nil {
		return nil, err
	}
	var serial [4]byte
	if _, err := rand.Read(serial[:]); err != nil {
		return nil, err
	}
	st.Serial = binary.BigEndian.Uint32(serial[:])&0x0FFFFFFF | 0x01000000 // 8 decimal digits, like a YubiKey's
	st.PIN, st.PUK = pad8(defaultPIN), pad8(defaultPUK)
	ccc, err := newCCC()
	if err != nil {
		return nil, err
	}
	st.Objects[tagName(tagCHUID)] = newCHUID(st.GUID)
	st.Objects[tagName(tagCCC)] = ccc
	st.Objects[tagName(tagDiscovery)] = discoveryObject()
	if err := st.validate(); err != nil {
		return nil, fmt.Errorf("vcard: %w", err)
	}
	return st, nil
}

// ATR returns the answer to reset.
func (c *Card) ATR() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.st.ATR...)
}

// GUID returns the card identity, the GUID of the CHUID it was made with.
func (c *Card) GUID() [16]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var g [16]byte
	copy(g[:], c.st.GUID)
	return g
}

// Reset is a power cycle or warm reset: every volatile state is lost (no
// application selected, PIN not verified, management key not authenticated,
// chains and pending responses dropped). Persistent state stays.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetVolatile()
}

func (c *Card) resetVolatile() {
	c.selected = false
	c.pinVerified, c.pinAlways = false, false
	c.mgmtAuthed, c.mgmtPending = false, nil
	c.chain, c.pending = nil, nil
}

// chainBuf collects the parts of a command sent with CLA 0x10.
type chainBuf struct {
	ins, p1, p2 byte
	data        []byte
}

// Transmit executes one command APDU and returns the response APDU. Bad
// commands get a status word as a real card would answer; the error is
// always nil.
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transmit(cmd), nil
}

type status = uint16

func (c *Card) transmit(raw []byte) []byte {
	cmd, extended, err := apdu.ParseCommand(raw)
	if err != nil {
		c.pending = nil
		return swBytes(apdu.SWWrongLength)
	}
	if cmd.CLA&^apdu.ClaChaining != 0 {
		c.pending = nil
		return swBytes(apdu.SWClaNotSupported)
	}
	if cmd.INS == insGetResponse {
		return c.getResponse(cmd)
	}
	c.pending = nil

	// Command chaining (ISO/IEC 7816-4 §5.1.1.1): buffer the parts, run the
	// command when the last part (chaining bit clear) arrives.
	if cmd.CLA&apdu.ClaChaining != 0 {
		if c.chain != nil && !c.chain.same(cmd) {
			c.chain = nil
			return swBytes(apdu.SWLastChainMissing)
		}
		if c.chain == nil {
			c.chain = &chainBuf{ins: cmd.INS, p1: cmd.P1, p2: cmd.P2}
		}
		if len(c.chain.data)+len(cmd.Data) > maxChainedData {
			c.chain = nil
			return swBytes(apdu.SWWrongLength)
		}
		c.chain.data = append(c.chain.data, cmd.Data...)
		return swBytes(apdu.SWSuccess)
	}
	if ch := c.chain; ch != nil {
		c.chain = nil
		if !ch.same(cmd) && cmd.INS != insSelect {
			return swBytes(apdu.SWLastChainMissing)
		}
		if ch.same(cmd) {
			cmd.Data = append(ch.data, cmd.Data...)
		}
	}

	if cmd.INS != insGenAuth || cmd.P2 != keyMgmt {
		c.mgmtPending = nil // a challenge is good for the very next command only
	}
	data, sw := c.dispatch(cmd)
	if sw != apdu.SWSuccess {
		return swBytes(sw)
	}
	return c.respond(data, cmd.Ne, extended)
}

func (ch *chainBuf) same(cmd apdu.Command) bool {
	return ch.ins == cmd.INS && ch.p1 == cmd.P1 && ch.p2 == cmd.P2
}

// respond sends at most Ne bytes (256 when a short command had no Le) and
// keeps the rest for GET RESPONSE, announced by 61xx.
func (c *Card) respond(data []byte, ne int, extended bool) []byte {
	limit := ne
	if limit == 0 {
		limit = apdu.MaxShortNe
		if extended {
			limit = apdu.MaxExtendedNe
		}
	}
	if len(data) <= limit {
		return append(data, 0x90, 0x00)
	}
	c.pending = append([]byte(nil), data[limit:]...)
	return append(append([]byte(nil), data[:limit]...), 0x61, moreBytes(len(c.pending)))
}

// getResponse serves the next part of a chained response (ISO/IEC 7816-4
// §7.6.1).
func (c *Card) getResponse(cmd apdu.Command) []byte {
	if c.pending == nil {
		return swBytes(apdu.SWConditionsNotMet)
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return swBytes(apdu.SWIncorrectP1P2)
	}
	n := cmd.Ne
	if n == 0 {
		n = apdu.MaxShortNe
	}
	n = min(n, len(c.pending))
	out := append([]byte(nil), c.pending[:n]...)
	c.pending = c.pending[n:]
	if len(c.pending) == 0 {
		c.pending = nil
		return append(out, 0x90, 0x00)
	}
	return append(out, 0x61, moreBytes(len(c.pending)))
}

// moreBytes is SW2 of 61xx: bytes still available, 00 meaning 256 or more.
func moreBytes(n int) byte {
	if n >= 256 {
		return 0
	}
	return byte(n)
}

func swBytes(sw status) []byte { return []byte{byte(sw >> 8), byte(sw)} }

func (c *Card) dispatch(cmd apdu.Command) ([]byte, status) {
	if cmd.INS == insSelect {
		return c.doSelect(cmd)
	}
	if !c.selected {
		return nil, apdu.SWNotFound
	}
	switch cmd.INS {
	case insGetData:
		return c.getData(cmd)
	case insPutData:
		return nil, c.putData(cmd)
	case insVerify:
		return nil, c.verify(cmd)
	case insChangeRef:
		return nil, c.changeReference(cmd)
	case insResetRetry:
		return nil, c.resetRetryCounter(cmd)
	case insGenAuth:
		return c.generalAuthenticate(cmd)
	case insGenerate:
		return c.generate(cmd)
	case insGetVersion:
		return c.getVersion(cmd)
	case insGetSerial:
		return c.getSerial(cmd)
	case insGetMetadata:
		return c.getMetadata(cmd)
	case insSetMgmtKey:
		return nil, c.setMgmtKey(cmd)
	case insSetRetries:
		return nil, c.setRetries(cmd)
	case insYKReset:
		return nil, c.ykReset(cmd)
	}
	return nil, apdu.SWInsNotSupported
}

// save persists a state change; a failure reads as a memory failure, as a
// card whose EEPROM write failed would answer.
func (c *Card) save() status {
	if err := c.persist(); err != nil {
		return apdu.SWMemoryFailure
	}
	return apdu.SWSuccess
}
