package piv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

// h decodes spaced hex: "00 A4 04 00".
func h(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// step is one exchange of a script: the command expected (nil: any) and
// the response, fixed or computed from the command.
type step struct {
	cmd     []byte
	resp    []byte
	respond func(cmd []byte) []byte
}

// script is a fake card that plays a list of exchanges in order.
type script struct {
	t     testing.TB
	steps []step
	n     int
}

var errScript = errors.New("script: unexpected command")

// newScript takes pairs of spaced hex: command, response.
func newScript(t testing.TB, pairs ...string) *script {
	s := &script{t: t}
	for i := 0; i+1 < len(pairs); i += 2 {
		s.add(h(pairs[i]), h(pairs[i+1]))
	}
	return s
}

func (s *script) add(cmd, resp []byte) *script {
	s.steps = append(s.steps, step{cmd: cmd, resp: resp})
	return s
}

func (s *script) addFunc(cmd []byte, f func([]byte) []byte) *script {
	s.steps = append(s.steps, step{cmd: cmd, respond: f})
	return s
}

func (s *script) Transmit(cmd []byte) ([]byte, error) {
	s.t.Helper()
	if s.n >= len(s.steps) {
		s.t.Errorf("unexpected command % X after the script ended", cmd)
		return nil, errScript
	}
	st := s.steps[s.n]
	s.n++
	if st.cmd != nil && !bytes.Equal(cmd, st.cmd) {
		s.t.Errorf("step %d:\n got % X\nwant % X", s.n, cmd, st.cmd)
		return nil, errScript
	}
	if st.respond != nil {
		return st.respond(cmd), nil
	}
	return st.resp, nil
}

// done checks the whole script was played.
func (s *script) done() {
	s.t.Helper()
	if s.n != len(s.steps) {
		s.t.Errorf("%d of %d steps played", s.n, len(s.steps))
	}
}

// card returns a Card over the script, selected state not needed.
func (s *script) card(opts ...Option) *Card { return New(s, opts...) }

// getDataCmd is the GET DATA command for a tag, short APDU.
func getDataCmd(tag apdu.Tag) []byte {
	tb := tag.Bytes()
	return cat([]byte{0x00, 0xCB, 0x3F, 0xFF, byte(2 + len(tb)), 0x5C, byte(len(tb))}, tb, []byte{0x00})
}

// addLongResponse splits a long response the way a short-APDU card does:
// 256 bytes + 61xx, then GET RESPONSE for the rest. It appends the steps.
func (s *script) addLongResponse(cmd, data []byte) *script {
	c := cmd
	for {
		n := min(len(data), 256)
		chunk, rest := data[:n], data[n:]
		sw := []byte{0x90, 0x00}
		if len(rest) > 0 {
			sw = []byte{0x61, byte(min(len(rest), 256))} // 00 means 256
		}
		s.add(c, cat(chunk, sw))
		c = []byte{0x00, 0xC0, 0x00, 0x00, sw[1]} // GET RESPONSE for what is left
		data = rest
		if len(rest) == 0 {
			return s
		}
	}
}
