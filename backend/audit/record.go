// Package audit keeps the hash-chained audit log: every state change and
// every refusal becomes a Record whose hash covers its content and the hash
// of the record before it, so editing, removing or reordering any row breaks
// the chain at that row.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Outcome of an audited request.
const (
	OutcomeOK = "ok" // any other outcome is the refusal's api error code
)

// HashLen is the length of a record hash (SHA-256).
const HashLen = sha256.Size

// Record is one audit entry: who did what with which card at which
// workstation, when, and how it ended.
type Record struct {
	Seq           int64     // 1, 2, 3, … with no gaps
	At            time.Time // stored with microsecond precision
	Action        string    // e.g. "login", "session.role", "card.cancel"
	Outcome       string    // OutcomeOK or an api error code
	UserID        string
	CardGUID      string
	WorkstationID string
	SessionID     string
	Detail        string // free text without secrets
	PrevHash      []byte
	Hash          []byte
}

// GenesisHash is the chain head before the first record.
var GenesisHash = make([]byte, HashLen)

const hashDomain = "cardagent-audit-v1"

// ComputeHash is the hash a record must carry: SHA-256 over a domain label,
// the sequence number, the time in microseconds, each text field length
// prefixed, and the previous hash.
func ComputeHash(r *Record) []byte {
	h := sha256.New()
	b := make([]byte, 0, 256)
	b = append(b, hashDomain...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.At.UnixMicro()))
	for _, s := range []string{r.Action, r.Outcome, r.UserID, r.CardGUID, r.WorkstationID, r.SessionID, r.Detail} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = append(b, r.PrevHash...)
	h.Write(b)
	return h.Sum(nil)
}
