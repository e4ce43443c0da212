package terminal

import (
	"errors"
	"fmt"
	"io"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// positionsRun is `cardagent admin positions --no-gui`: the positions of
// Options.UserID are printed, then Options.Grant granted or Options.End
// ended (after Options.LastDay, if given), and printed again.
type positionsRun struct {
	opts       session.PositionForm
	grant, end string
	// The look-up was asked for, the change asked for, its form sent: the
	// positions screen may be published again meanwhile (the card in the
	// other reader read), and only the one after the change ends the run.
	asked, started, sent bool
}

func newPositionsRun(o Options) *positionsRun {
	return &positionsRun{opts: session.PositionForm{UserID: o.UserID, Role: o.Grant, LastDay: o.LastDay,
		IdentityChecked: o.IdentityChecked, Reason: o.Reason}, grant: o.Grant, end: o.End}
}

// step answers one admin mode State; done says the command is over, with err.
func (p *positionsRun) step(a Agent, s session.State, stderr io.Writer) (done bool, err error) {
	switch s.Screen {
	case session.ScreenAdmin:
		if !p.asked {
			p.asked = true
			if !s.Admin.ManagesPositions {
				return true, errors.New(wording.AdminNotAuthorised.Problem + "\n" + wording.AdminNotAuthorised.Fix)
			}
			a.StartAdminAction(session.AdminActionPositions)
		}
	case session.ScreenAdminForm:
		if s.Message != "" { // the command line's to fix
			return true, errors.New(s.Message)
		}
		a.SubmitPositionForm(s.Question, p.opts)
		p.sent = s.Admin.Action != session.AdminActionPositions
	case session.ScreenAdminPositions:
		switch {
		case p.started && !p.sent: // shown again before the change's form
			return false, nil
		case p.sent || p.grant == "" && p.end == "":
			if s.Hint != "" {
				fmt.Fprintln(stderr, s.Hint)
			}
			printPositions(stderr, s.Admin.Positions)
			return true, nil
		}
		printPositions(stderr, s.Admin.Positions)
		p.started = true
		if p.grant != "" {
			a.StartAdminAction(session.AdminActionGrant)
			break
		}
		if !holds(s.Admin.Positions, p.end) {
			return true, fmt.Errorf("%s: %s", p.end, wording.AdminPositionEnded.Problem)
		}
		a.EndPosition(p.end)
	case session.ScreenAdminFailed:
		return true, fmt.Errorf("%s\n%s", s.Problem, s.Fix)
	}
	return false, nil
}

// holds reports whether position id is one h holds now.
func holds(h *session.HolderPositions, id string) bool {
	for _, p := range h.Held {
		if p.ID == id && p.Active {
			return true
		}
	}
	return false
}

// printPositions prints h, a position a line with the id to end it by.
func printPositions(w io.Writer, h *session.HolderPositions) {
	fmt.Fprintln(w, wording.AdminPositionsOf(h.Name, h.UUID, h.Organisation))
	if len(h.Held) == 0 {
		fmt.Fprintln(w, "  "+wording.AdminPositionsNone)
	}
	const day = "2 January 2006"
	for _, p := range h.Held {
		when := "since " + p.Since.Local().Format(day)
		switch {
		case p.Until.IsZero():
			when += ", " + wording.AdminPositionsOpenEnds
		case p.Active:
			when += ", until " + p.LastDay.Local().Format(day)
		default:
			when += ", ended " + p.LastDay.Local().Format(day)
		}
		fmt.Fprintf(w, "  %s  %s (%s)\n", p.ID, p.Role, when)
	}
	fmt.Fprintln(w, wording.AdminPositionsElsewhere(h.Elsewhere))
}
