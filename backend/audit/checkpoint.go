package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Checkpoint is a signed statement that the chain had Seq records with head
// Head at time At. Checkpoints live outside the database (a file, which may
// be shipped elsewhere): a database writer can cut the chain short and move
// the head back, but not below a checkpoint.
type Checkpoint struct {
	Seq  int64
	Head []byte
	At   time.Time
}

const checkpointDomain = "cardagent-audit-checkpoint-v1"

func (cp *Checkpoint) signed() []byte {
	b := append([]byte(checkpointDomain), 0)
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(cp.At.UnixMicro()))
	return append(b, cp.Head...)
}

// checkpointLine is one line of a checkpoint file (JSON lines).
type checkpointLine struct {
	Seq  int64  `json:"seq"`
	Head string `json:"head"` // hex
	At   string `json:"at"`   // RFC 3339, microseconds, UTC
	Sig  string `json:"sig"`  // Ed25519 over checkpointDomain, seq, at, head; standard base64
}

// MarshalCheckpoint is the signed file line of cp (with its newline).
func MarshalCheckpoint(cp Checkpoint, key ed25519.PrivateKey) []byte {
	cp.At = cp.At.UTC().Truncate(time.Microsecond)
	b, _ := json.Marshal(checkpointLine{
		Seq: cp.Seq, Head: hex.EncodeToString(cp.Head), At: cp.At.Format(time.RFC3339Nano),
		Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, cp.signed())),
	})
	return append(b, '\n')
}

// ReadCheckpoints parses a checkpoint file and checks every signature with
// pub; a line that does not parse or verify is an error naming it.
func ReadCheckpoints(r io.Reader, pub ed25519.PublicKey) ([]Checkpoint, error) {
	var cps []Checkpoint
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var l checkpointLine
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("checkpoint line %d: %w", n, err)
		}
		head, herr := hex.DecodeString(l.Head)
		at, terr := time.Parse(time.RFC3339Nano, l.At)
		sig, serr := base64.StdEncoding.DecodeString(l.Sig)
		if err := errors.Join(herr, terr, serr); err != nil || l.Seq < 0 {
			return nil, fmt.Errorf("checkpoint line %d does not parse: %v", n, err)
		}
		cp := Checkpoint{Seq: l.Seq, Head: head, At: at.UTC()}
		if !ed25519.Verify(pub, cp.signed(), sig) {
			return nil, fmt.Errorf("checkpoint line %d: signature does not verify (edited, or another secret)", n)
		}
		cps = append(cps, cp)
	}
	return cps, sc.Err()
}

// ReadCheckpointFile is ReadCheckpoints on a file.
func ReadCheckpointFile(path string, pub ed25519.PublicKey) ([]Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading audit checkpoints: %w", err)
	}
	defer f.Close()
	return ReadCheckpoints(f, pub)
}

// Checkpointer appends signed checkpoints of the chain head to a file: at
// start, after every Every appended records, at most Interval after any
// append, and at Close. Several instances on one database each keep their
// own file; every checkpoint names the shared chain's head.
type Checkpointer struct {
	f        *os.File
	key      ed25519.PrivateKey
	head     func(ctx context.Context) (Head, error)
	now      func() time.Time
	every    int
	interval time.Duration
	log      *slog.Logger

	mu       sync.Mutex // serialises writes; guards lastSeq and pending
	lastSeq  int64
	pending  int
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// CheckpointOptions configure NewCheckpointer; zero values take defaults.
type CheckpointOptions struct {
	Every    int           // default 100 records
	Interval time.Duration // default 10 s
	Now      func() time.Time
	Log      *slog.Logger
}

// NewCheckpointer opens (creating, 0600) the file at path for appending,
// writes a checkpoint of the current head and starts the background writer.
// head reads the committed head from the store.
func NewCheckpointer(ctx context.Context, path string, key ed25519.PrivateKey, head func(ctx context.Context) (Head, error), o CheckpointOptions) (*Checkpointer, error) {
	if o.Every <= 0 {
		o.Every = 100
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the audit checkpoint directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening audit checkpoints: %w", err)
	}
	c := &Checkpointer{f: f, key: key, head: head, now: o.Now, every: o.Every, interval: o.Interval, log: o.Log,
		lastSeq: -1, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if err := c.Checkpoint(ctx); err != nil {
		f.Close()
		return nil, err
	}
	go c.loop()
	return c, nil
}

// Appended notes that n records were committed; it never blocks.
func (c *Checkpointer) Appended(n int) {
	c.mu.Lock()
	c.pending += n
	due := c.pending >= c.every
	c.mu.Unlock()
	if due {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// Checkpoint writes a checkpoint of the committed head now, unless the last
// one already names it.
func (c *Checkpointer) Checkpoint(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.head(ctx)
	if err != nil {
		return fmt.Errorf("reading the audit head for a checkpoint: %w", err)
	}
	c.pending = 0
	if h.Seq == c.lastSeq {
		return nil
	}
	line := MarshalCheckpoint(Checkpoint{Seq: h.Seq, Head: h.Hash, At: c.now()}, c.key)
	if _, err := c.f.Write(line); err != nil {
		return fmt.Errorf("writing an audit checkpoint: %w", err)
	}
	if err := c.f.Sync(); err != nil {
		return fmt.Errorf("syncing audit checkpoints: %w", err)
	}
	c.lastSeq = h.Seq
	return nil
}

func (c *Checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		case <-t.C:
			c.mu.Lock()
			idle := c.pending == 0
			c.mu.Unlock()
			if idle {
				continue
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.Checkpoint(ctx); err != nil {
			c.log.Error("audit checkpoint", "err", err)
		}
		cancel()
	}
}

// Close stops the background writer, writes a last checkpoint and closes
// the file.
func (c *Checkpointer) Close(ctx context.Context) error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	err := c.Checkpoint(ctx)
	return errors.Join(err, c.f.Close())
}
