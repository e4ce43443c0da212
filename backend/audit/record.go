// Package audit keeps the keyed, hash-chained audit log: every state change
// and every refusal becomes a Record whose MAC covers its content and the MAC
// of the record before it, so editing, removing or reordering any row breaks
// the chain at that row, and nobody without the key (derived from the root
// secret) can write a chain that verifies. Signed checkpoints of the head,
// kept outside the database, catch a chain cut short behind them.
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"time"
)

// Outcome of an audited request.
const (
	OutcomeOK = "ok" // any other outcome is the refusal's api error code
)

// Actions the audit package writes itself.
const (
	// ActionKeyed is the first keyed record: every record before it is a
	// legacy unkeyed one (written before migration 00003), every record
	// from it on carries a MAC.
	ActionKeyed = "audit.keyed"
	// ActionRefusalsSuppressed summarises refusals that were counted
	// instead of written one by one (rate limit per client address).
	ActionRefusalsSuppressed = "audit.refusals_suppressed"
)

// HashLen is the length of a record hash or MAC (SHA-256).
const HashLen = sha256.Size

// Record is one audit entry: who did what with which card at which
// workstation from which client address, when, and how it ended.
type Record struct {
	Seq           int64     // 1, 2, 3, … with no gaps
	At            time.Time // stored with microsecond precision
	Action        string    // e.g. "login", "session.role", "card.cancel"
	Outcome       string    // OutcomeOK or an api error code
	UserID        string
	CardGUID      string
	WorkstationID string
	SessionID     string
	ClientAddr    string // the client's IP address as identityd sees it ("" for admin commands)
	Detail        string // free text without secrets, bounded
	// ActorID is ActorOf(Detail): the administrator who acted, kept apart
	// for searching (not in the MAC: Verify checks it against Detail).
	ActorID  string
	PrevHash []byte
	Hash     []byte // HMAC-SHA-256 (keyed records) or SHA-256 (legacy)
}

// GenesisHash is the chain head before the first record.
var GenesisHash = make([]byte, HashLen)

const (
	hashDomainV1 = "cardagent-audit-v1" // legacy: unkeyed SHA-256
	macDomainV2  = "cardagent-audit-v2" // HMAC-SHA-256, covers the client address
)

// ComputeHash is the unkeyed SHA-256 a legacy record (one written before the
// chain was keyed) carries: a domain label, the sequence number, the time in
// microseconds, each text field length-prefixed, and the previous hash.
// Anyone can compute it, which is why new records are keyed (Key.MAC).
func ComputeHash(r *Record) []byte {
	h := sha256.New()
	h.Write(encode(hashDomainV1, r, false))
	return h.Sum(nil)
}

func encode(domain string, r *Record, withAddr bool) []byte {
	b := make([]byte, 0, 256+len(r.Detail))
	b = append(b, domain...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.At.UnixMicro()))
	fields := []string{r.Action, r.Outcome, r.UserID, r.CardGUID, r.WorkstationID, r.SessionID, r.Detail}
	if withAddr {
		fields = append(fields, r.ClientAddr)
	}
	for _, s := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return append(b, r.PrevHash...)
}

// Key is the chain's MAC key (derived from the root secret with its own
// label). Its String hides it.
type Key struct{ k []byte }

// NewKey wraps a MAC key of at least 32 bytes.
func NewKey(k []byte) (*Key, error) {
	if len(k) < 32 {
		return nil, errors.New("audit: MAC key shorter than 32 bytes")
	}
	return &Key{k: append([]byte(nil), k...)}, nil
}

func (k *Key) String() string { return "audit.Key(redacted)" }

// MAC is the HMAC-SHA-256 a keyed record carries, over the same encoding as
// ComputeHash plus the client address, under a domain label of its own.
func (k *Key) MAC(r *Record) []byte {
	m := hmac.New(sha256.New, k.k)
	m.Write(encode(macDomainV2, r, true))
	return m.Sum(nil)
}
