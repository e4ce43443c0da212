package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"time"
)

// Dir is a mailbox on disk for the demo and for trying identityd without a
// mail server: each message becomes one RFC 5322 file, NAME.eml, that a
// mail program opens as it is. The files hold the codes, so they are 0600
// in a directory Dir creates 0700; names start with the UTC time sent
// (20261203T140501.123456789Z-…), so they sort by time.
type Dir struct {
	path string
	from string
}

var _ Sender = (*Dir)(nil)

// NewDir writes messages from the address from into path, creating it
// (0700) if missing. An existing directory is used as it is: the files in
// it are 0600 either way.
func NewDir(path, from string) (*Dir, error) {
	if path == "" {
		return nil, errors.New("mail: dir: no directory")
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail: dir: sender %q is not an email address: %v", from, err)
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("mail: dir: %w", err)
	}
	return &Dir{path: path, from: from}, nil
}

// Send writes m as a new .eml file. The file appears whole or not at all
// (written under a hidden name, then renamed), so a reader polling the
// directory never sees half a message.
func (d *Dir) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := compose(d.from, m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d.path, ".sending-*") // 0600
	if err != nil {
		return fmt.Errorf("mail: dir: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	_, err = msg.WriteTo(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("mail: dir: writing a message to %s: %w", d.path, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.path, fileName(time.Now()))); err != nil {
		return fmt.Errorf("mail: dir: %w", err)
	}
	return nil
}

// fileName is the UTC time at a fixed width, so names sort by time, and a
// random suffix, so two messages in the same nanosecond do not collide.
func fileName(t time.Time) string {
	var b [4]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:]) + ".eml"
}
