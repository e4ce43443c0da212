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
	opts            session.PositionForm
	grant, end      string
	asked, changing bool // the look-up, the change, were sent
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
	case session.ScreenAdminPositions:
		if s.Hint != "" {
			fmt.Fprintln(stderr, s.Hint)
		}
		printPositions(stderr, s.Admin.Positions)
		switch {
		case p.changing || p.grant == "" && p.end == "":
			return true, nil
		case p.grant != "":
			a.StartAdminAction(session.AdminActionGrant)
		default:
			if !holds(s.Admin.Positions, p.end) {
				return true, fmt.Errorf("%s: %s", p.end, wording.AdminPositionEnded.Problem)
			}
			a.EndPosition(p.end)
		}
		p.changing = true
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
			when += ", until " + p.Until.Local().Format(day)
		default:
			when += ", ended " + p.Until.Local().Format(day)
		}
		fmt.Fprintf(w, "  %s  %s (%s)\n", p.ID, p.Role, when)
	}
	fmt.Fprintln(w, wording.AdminPositionsElsewhere(h.Elsewhere))
}
