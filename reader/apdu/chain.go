package apdu

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
)

// Transmitter moves one command APDU to a card and returns its raw response
// (data + SW1 SW2). A PC/SC card handle and the in-process virtual card both
// implement it.
type Transmitter interface {
	Transmit(cmd []byte) ([]byte, error)
}

// maxGetResponse bounds the 61xx loop so a broken card cannot keep us forever
// (64 KiB of data at 256 bytes per GET RESPONSE, with room to spare).
const maxGetResponse = 512

// Client sends Commands over a Transmitter and hides the transport details a
// real card may need: command chaining for data over 255 bytes when the card
// has no extended APDUs, GET RESPONSE on 61xx, and a resend with the right Le
// on 6Cxx. A Client is not safe for concurrent use; the card is not either.
type Client struct {
	T Transmitter

	// Extended lets commands that do not fit a short APDU travel as one
	// extended APDU. Leave it false unless the card advertises support
	// (ATR or EF.ATR): short APDUs with chaining work with every card.
	Extended bool

	// Trace, if set, logs every exchange at debug level. Data of Sensitive
	// commands (and their responses) are never logged.
	Trace *slog.Logger
}

// Transmit sends c and returns the complete response, whatever its status
// word. The error is non-nil only when the exchange itself failed (transport
// error, malformed response, broken chaining); use Response.Err for the SW.
func (cl *Client) Transmit(c Command) (Response, error) {
	if len(c.Data) > MaxShortData && !cl.Extended {
		return cl.chain(c)
	}
	if c.Ne > MaxShortNe && !cl.Extended {
		c.Ne = MaxShortNe // 61xx brings the rest
	}
	return cl.exchange(c)
}

// Do sends c and returns the response data, or a *StatusError for any
// status word but 9000.
func (cl *Client) Do(c Command) ([]byte, error) {
	r, err := cl.Transmit(c)
	if err != nil {
		return nil, err
	}
	return r.Data, r.Err()
}

// chain splits c.Data into short commands with the chaining bit set on all
// but the last (ISO/IEC 7816-4 §5.1.1.1).
func (cl *Client) chain(c Command) (Response, error) {
	data := c.Data
	for len(data) > MaxShortData {
		part := c
		part.CLA |= ClaChaining
		part.Data = data[:MaxShortData]
		part.Ne = 0
		r, err := cl.exchange(part)
		if err != nil {
			return Response{}, err
		}
		if !r.OK() {
			return r, nil
		}
		data = data[MaxShortData:]
	}
	last := c
	last.Data = data
	if last.Ne > MaxShortNe {
		last.Ne = MaxShortNe
	}
	return cl.exchange(last)
}

// exchange sends one APDU and follows the card's response chaining.
func (cl *Client) exchange(c Command) (Response, error) {
	r, err := cl.roundTrip(c)
	if err != nil {
		return Response{}, err
	}
	if r.SW1() == 0x6C { // wrong Le: send again with the length the card wants
		c.Ne = shortNe(r.SW2())
		if r, err = cl.roundTrip(c); err != nil {
			return Response{}, err
		}
	}
	data := r.Data
	for i := 0; r.SW1() == 0x61; i++ {
		if i == maxGetResponse {
			return Response{}, fmt.Errorf("%w: card kept answering 61xx", ErrMalformed)
		}
		get := Command{CLA: c.CLA &^ ClaChaining, INS: InsGetResponse, Ne: shortNe(r.SW2()), Sensitive: c.Sensitive}
		if r, err = cl.roundTrip(get); err != nil {
			return Response{}, err
		}
		data = append(data, r.Data...)
	}
	r.Data = data
	return r, nil
}

func (cl *Client) roundTrip(c Command) (Response, error) {
	raw, err := c.Bytes()
	if err != nil {
		return Response{}, err
	}
	if c.Sensitive {
		defer clear(raw) // our copy of a passcode or key response
	}
	cl.trace("apdu >", c, raw)
	rawResp, err := cl.T.Transmit(raw)
	if err != nil {
		return Response{}, err
	}
	r, err := ParseResponse(rawResp)
	if err != nil {
		return Response{}, err
	}
	cl.traceResponse(c, r)
	return r, nil
}

func (cl *Client) trace(msg string, c Command, raw []byte) {
	if cl.Trace == nil || !cl.Trace.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	if c.Sensitive {
		cl.Trace.Debug(msg, "header", hex.EncodeToString(raw[:4]), "data", fmt.Sprintf("<%d bytes hidden>", len(c.Data)), "ne", c.Ne)
		return
	}
	cl.Trace.Debug(msg, "apdu", hex.EncodeToString(raw))
}

func (cl *Client) traceResponse(c Command, r Response) {
	if cl.Trace == nil || !cl.Trace.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	if c.Sensitive {
		cl.Trace.Debug("apdu <", "sw", fmt.Sprintf("%04X", r.SW), "data", fmt.Sprintf("<%d bytes hidden>", len(r.Data)))
		return
	}
	cl.Trace.Debug("apdu <", "sw", fmt.Sprintf("%04X", r.SW), "data", hex.EncodeToString(r.Data))
}

// ErrTransport is a convenience for Transmitters: wrap transport failures in
// it when no more specific error exists.
var ErrTransport = errors.New("apdu: transport failure")
