package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Security answers are kept as argon2id hashes (RFC 9106) in the PHC
// string format, so the cost they were made with travels with each hash
// and a later, dearer cost applies to new registrations without a
// migration. The default cost is OWASP's first argon2id setting: 19 MiB,
// 2 passes, 1 lane — about 30 ms on one core here (BenchmarkAnswerHash),
// so a registration's four hashes take ~0.12 s and an unlock's two ~60 ms,
// while one guess at a stolen database costs an attacker the same.
// Answers are short and guessable, so it is the attempt limit that
// protects them online; the hash protects them if the store leaks.

// AnswerHashCost is an argon2id cost.
type AnswerHashCost struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultAnswerHashCost is the cost new answers are hashed with.
var DefaultAnswerHashCost = AnswerHashCost{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}

const (
	answerSaltLen = 16
	answerKeyLen  = 32
	// The most a stored hash may ask for (a tampered row must not make
	// identityd allocate much): at 2 slots a core, 64 MiB each.
	maxAnswerMemoryKiB = 64 * 1024
	maxAnswerTime      = 8
	maxAnswerThreads   = 4
)

// WithAnswerHashCost sets the argon2id cost of new answers (tests use a
// cheap one).
func WithAnswerHashCost(c AnswerHashCost) Option {
	return func(svc *Service) error {
		if c.Time == 0 || c.Time > maxAnswerTime || c.MemoryKiB < 8*uint32(c.Threads) || c.MemoryKiB > maxAnswerMemoryKiB ||
			c.Threads == 0 || c.Threads > maxAnswerThreads {
			return fmt.Errorf("identity: argon2id cost %+v is out of range", c)
		}
		svc.answers.cost = c
		return nil
	}
}

// answerHasher hashes and checks answers, at most a few at once: each hash
// holds its memory cost, so a burst of requests waits rather than
// exhausting memory.
type answerHasher struct {
	cost  AnswerHashCost
	slots chan struct{}
}

func newAnswerHasher() answerHasher {
	return answerHasher{cost: DefaultAnswerHashCost, slots: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
}

func (h answerHasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h answerHasher) release() { <-h.slots }

// hash is the PHC string of the normalised answer under a fresh salt.
func (h answerHasher) hash(ctx context.Context, normalised string) (string, error) {
	salt := make([]byte, answerSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	c := h.cost
	key := argon2.IDKey([]byte(normalised), salt, c.Time, c.MemoryKiB, c.Threads, answerKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.MemoryKiB, c.Time, c.Threads,
		b64raw.EncodeToString(salt), b64raw.EncodeToString(key)), nil
}

// matches reports whether the normalised answer is the one phc was made from.
func (h answerHasher) matches(ctx context.Context, phc, normalised string) (bool, error) {
	c, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(normalised), salt, c.Time, c.MemoryKiB, c.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

var b64raw = base64.RawStdEncoding

var errBadPHC = errors.New("a stored answer hash is not an argon2id PHC string this service accepts")

func parsePHC(phc string) (c AnswerHashCost, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return c, nil, nil, errBadPHC
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &c.MemoryKiB, &c.Time, &threads); err != nil {
		return c, nil, nil, errBadPHC
	}
	if c.Time == 0 || c.Time > maxAnswerTime || threads == 0 || threads > maxAnswerThreads || c.MemoryKiB < 8*threads || c.MemoryKiB > maxAnswerMemoryKiB {
		return c, nil, nil, errBadPHC
	}
	c.Threads = uint8(threads)
	if salt, err = b64raw.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return c, nil, nil, errBadPHC
	}
	if key, err = b64raw.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return c, nil, nil, errBadPHC
	}
	return c, salt, key, nil
}
