package vcard

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// stateFormat versions the file layout so a later change can migrate it.
const stateFormat = 1

// hexBytes shows binary fields as hex in the state file, so a person can
// read it (and edit it in a test).
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// cardState is everything a real card keeps in non-volatile memory. It is
// stored as-is, PIN and PUK included: this is a test card.
type cardState struct {
	Format int      `json:"format"`
	GUID   hexBytes `json:"guid"`
	Serial uint32   `json:"serial"`
	ATR    hexBytes `json:"atr"`

	PINMinLen     int  `json:"pin_min_len"`
	PINMaxLen     int  `json:"pin_max_len"`
	PINDigitsOnly bool `json:"pin_digits_only"`
	NoPINReset    bool `json:"no_pin_reset,omitempty"`

	PIN        hexBytes `json:"pin"` // padded with FF to 8 bytes
	PUK        hexBytes `json:"puk"`
	PINRetries int      `json:"pin_retries"` // the limit
	PINTries   int      `json:"pin_tries"`   // tries left
	PUKRetries int      `json:"puk_retries"`
	PUKTries   int      `json:"puk_tries"`

	MgmtAlg byte     `json:"mgmt_alg"`
	MgmtKey hexBytes `json:"mgmt_key"`

	Keys    map[string]*slotKey `json:"keys"`    // by slot, "9a"
	Objects map[string]hexBytes `json:"objects"` // by tag, "5fc102": the whole 53 (or 7E) TLV
}

// slotKey is an asymmetric key in a slot.
type slotKey struct {
	Alg         byte     `json:"alg"`
	PINPolicy   byte     `json:"pin_policy"`
	TouchPolicy byte     `json:"touch_policy"`
	Origin      byte     `json:"origin"`
	PKCS8       hexBytes `json:"pkcs8"`
}

func slotName(slot byte) string { return fmt.Sprintf("%02x", slot) }
func tagName(tag uint32) string { return fmt.Sprintf("%x", tag) }

func (s *cardState) validate() error {
	switch {
	case s.Format != stateFormat:
		return fmt.Errorf("unknown state format %d", s.Format)
	case len(s.GUID) != 16:
		return errors.New("GUID is not 16 bytes")
	case len(s.PIN) != 8 || len(s.PUK) != 8:
		return errors.New("PIN or PUK is not 8 padded bytes")
	case s.PINRetries < 1 || s.PINRetries > 15 || s.PUKRetries < 1 || s.PUKRetries > 15:
		return errors.New("retry limit out of range 1–15")
	case s.PINTries < 0 || s.PINTries > s.PINRetries || s.PUKTries < 0 || s.PUKTries > s.PUKRetries:
		return errors.New("tries counter out of range")
	case mgmtKeyLen(s.MgmtAlg) == 0 || len(s.MgmtKey) != mgmtKeyLen(s.MgmtAlg):
		return errors.New("bad management key")
	case len(s.ATR) < 2 || len(s.ATR) > 33:
		return errors.New("bad ATR")
	}
	if s.Keys == nil {
		s.Keys = map[string]*slotKey{}
	}
	if s.Objects == nil {
		s.Objects = map[string]hexBytes{}
	}
	return nil
}

func loadState(path string) (*cardState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s cardState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("vcard: %s: %w", path, err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("vcard: %s: %w", path, err)
	}
	return &s, nil
}

// writeFileAtomic replaces path with data so that a crash at any point
// leaves either the old or the new file, never a mix: temp file in the same
// directory, fsync, rename over, fsync the directory (the rename itself).
// A leftover temp file from a crash is harmless: it is never read.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// persist writes the state if the card has a file. Callers hold c.mu.
func (c *Card) persist() error {
	if c.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(c.st, "", "  ")
	if err != nil {
		return err
	}
	if c.beforeWrite != nil {
		if err := c.beforeWrite(); err != nil {
			return err
		}
	}
	return writeFileAtomic(c.path, append(b, '\n'))
}
