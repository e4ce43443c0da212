package session_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// What the user reads for a card failure, and whether Retry is offered:
// reader's typed errors, as Card.Do returns them when its context ends.
func TestCardTroubleWording(t *testing.T) {
	for _, c := range []struct {
		err   error
		want  wording.Trouble
		retry bool
	}{
		{&reader.Error{Op: "transmit", Kind: reader.ErrTimeout, Err: context.DeadlineExceeded}, wording.CardSlow, true},
		{&reader.Error{Op: "begin transaction", Kind: reader.ErrBusy, Err: context.DeadlineExceeded}, wording.CardBusy, true},
		{&reader.Error{Op: "connect", Code: 0x8010000B, Kind: reader.ErrBusy}, wording.CardBusy, true},
		{&reader.Error{Op: "connect", Code: 0x80100066, Kind: reader.ErrUnresponsive}, wording.CardMute, true},
		{fmt.Errorf("select: %w", piv.ErrNotPIV), wording.NotPIV, false},
		{errors.New("something odd"), wording.Unreadable, true},
	} {
		got, retry := session.CardTrouble(c.err)
		if got != c.want || retry != c.retry {
			t.Errorf("%v: %q retry=%v, want %q retry=%v", c.err, got.Problem, retry, c.want.Problem, c.retry)
		}
	}
}
