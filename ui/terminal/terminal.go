// Package terminal is the agent's second user interface: the login journey
// in a terminal (`cardagent login --no-gui`). It renders the same session
// States as the window, in the same words (package wording), and answers
// each question once; it decides nothing and talks to no card or backend.
package terminal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
	"golang.org/x/term"
)

// Agent is what the terminal needs of the session (session.Agent).
type Agent interface {
	Subscribe() (<-chan session.State, func())
	SubmitPasscode(question uint64, p []byte) // takes ownership; the session wipes it
	AcceptTerms(question uint64)
	DeclineTerms(question uint64)
	SelectRole(question uint64, index int)
	Logout()
	Renew()
	SubmitRenewalPasscode(question uint64, p []byte) // takes ownership; the session wipes it
	CloseRenewal()
	ChangePasscode()
	SubmitPasscodeChange(question uint64, current, next, again []byte) // takes ownership; the session wipes them
	StartUnlock()
	SubmitUnlockCode(question uint64, code []byte)            // takes ownership; the session wipes it
	SubmitUnlockPasscode(question uint64, next, again []byte) // takes ownership; the session wipes them
	SubmitUnlockAnswers(question uint64, answers []string)
	CloseUnlock()
	OpenQuestions()
	SubmitQuestions(question uint64, ids, answers []string, passcode []byte) // takes ownership of passcode
	SubmitQuestionsCode(question uint64, code []byte)                        // takes ownership; the session wipes it
	CloseQuestions()
	OpenAdmin()
	StartAdminAction(action session.AdminAction)
	SubmitAdminForm(question uint64, identityChecked bool, reason string, first, second []byte) // takes ownership of the passcodes
	SubmitEnrolForm(question uint64, userID string, identityChecked bool, reason string, first, second []byte)
	CloseAdmin()
	SubmitPositionForm(question uint64, f session.PositionForm)
	EndPosition(id string)
	SubmitAuditForm(question uint64, f session.AuditForm)
	AuditOlder()
}

// Options are the journey's choices, from the command line.
type Options struct {
	Role        string        // role to select (name or id); "" asks on a terminal, else takes the preselected one
	AcceptTerms bool          // accept the terms if asked (needed when stdin is not a terminal)
	Once        bool          // log out again right after printing the session
	Timeout     time.Duration // give up when no session is open by then
	// Renew renews the certificates once logged in (`cardagent renew
	// --no-gui`): a fresh passcode, the steps, the new expiry; then it logs out.
	Renew bool
	// ChangePasscode changes the passcode once logged in (`cardagent
	// passcode --no-gui`): the current one and the new one twice; then it
	// logs out.
	ChangePasscode bool
	// Unlock unlocks a blocked card (`cardagent unlock --no-gui`): a code
	// is emailed, then the new passcode twice; a card that is not blocked
	// is unlocked as if its passcode were forgotten.
	Unlock bool
	// Questions registers security questions once logged in (`cardagent
	// questions --no-gui`): four numbers from the catalogue, an answer to
	// each, the passcode, then the emailed code; then it logs out.
	Questions bool
	// Admin does an admin action with the card in the other reader once
	// logged in as an administrator (`cardagent admin unlock|repair|renew
	// --no-gui`): the administrator vouches with IdentityChecked and
	// Reason; the holder types the new passcode twice (unlock, repair) or
	// their passcode (renew); then it logs out.
	Admin           session.AdminAction
	IdentityChecked bool
	// Confirmed is `admin cancel`'s --confirm: the card is to be
	// cancelled for good (no identity check, no passcode).
	Confirmed bool
	Reason    string
	// UserID is `admin enrol`'s --user: the UUID of the holder a
	// factory-fresh card is issued to; `admin positions`'s: whose.
	UserID string
	// Grant, End and LastDay are `admin positions`'s --grant ROLE, --end
	// POSITION and --last-day YYYY-MM-DD (the end of that day; default now).
	Grant, End, LastDay string
	// Card, AdminID, From, To and Pages are `admin audit`'s --card,
	// --admin, --from and --to (YYYY-MM-DD) and --pages (default 1), with
	// --user as UserID.
	Card, AdminID, From, To string
	Pages                   int
}

// CheckAdmin refuses an `admin` command line that could only fail after
// the holder typed a passcode: no identity check, no reason.
func CheckAdmin(o Options) error {
	if o.Admin == session.AdminActionPositions {
		return checkPositions(o)
	}
	if o.Admin == session.AdminActionAudit {
		if o.UserID == "" && o.Card == "" && o.AdminID == "" {
			return errors.New("admin audit: --user, --card or --admin is required: " + wording.AuditSubjectNeeded)
		}
		return nil
	}
	switch n := len([]rune(strings.TrimSpace(o.Reason))); {
	case o.Admin == session.AdminActionCancel && !o.Confirmed:
		return errors.New("admin cancel: --confirm is required: a cancelled card can never be used again")
	case o.Admin != session.AdminActionCancel && !o.IdentityChecked:
		return fmt.Errorf("admin %s: --identity-checked is required: %s", o.Admin, wording.AdminIdentityFirst)
	case n < session.MinReasonLen || n > session.MaxReasonLen:
		return fmt.Errorf("admin %s: --reason must be %d to %d characters: %s", o.Admin, session.MinReasonLen, session.MaxReasonLen, wording.AdminReasonNeeded)
	case o.Admin == session.AdminActionEnrol && !api.ValidUserID(o.UserID):
		return errors.New("admin enrol: --user is required: " + wording.AdminUserIDNeeded)
	}
	return nil
}

// checkPositions is CheckAdmin of `admin positions`: a look-up needs only
// --user; a change the identity check and a reason too, and one change.
func checkPositions(o Options) error {
	n := len([]rune(strings.TrimSpace(o.Reason)))
	switch {
	case !api.ValidUserID(o.UserID):
		return errors.New("admin positions: --user is required: " + wording.AdminUserIDNeeded)
	case o.Grant != "" && o.End != "":
		return errors.New("admin positions: --grant or --end, not both")
	case o.LastDay != "" && o.End == "":
		return errors.New("admin positions: --last-day goes with --end")
	case o.Grant == "" && o.End == "":
		return nil
	case !o.IdentityChecked:
		return errors.New("admin positions: --identity-checked is required to change a position")
	case n < session.MinReasonLen || n > session.MaxReasonLen:
		return fmt.Errorf("admin positions: --reason must be %d to %d characters: %s", session.MinReasonLen, session.MaxReasonLen, wording.AdminReasonNeeded)
	}
	return nil
}

// loginResult is what `cardagent login --no-gui` prints.
type loginResult struct {
	User         string    `json:"user"`
	UUID         string    `json:"uuid"`
	Role         string    `json:"role"`
	Organisation string    `json:"organisation"`
	Since        time.Time `json:"since"`
	Reader       string    `json:"reader"`
	ExpiryAlert  string    `json:"expiry_alert,omitempty"`
	Demo         bool      `json:"demo,omitempty"`
}

// Run runs the login journey: the passcode is read without echo from the
// TTY (or a line at a time from stdin when it is not a terminal), the role
// by Options.Role, a numbered list on a TTY, or the preselected one. The
// session stays open until the card is removed or ctx ends, unless Once
// logs straight out again. The session is printed to stdout as JSON.
func Run(ctx context.Context, a Agent, opts Options, stdin *os.File, stdout, stderr io.Writer) error {
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	tty := term.IsTerminal(int(stdin.Fd()))
	lines := bufio.NewReader(stdin)
	states, unsub := a.Subscribe()
	defer unsub()
	deadline := time.After(opts.Timeout)
	var lastSeq, answered uint64
	lastScreen := session.Screen(-1)
	loggedIn := false
	var lastStep session.RenewalStep
	renewing := false // the card work of a renewal began
	changeAsked, unlockAsked, questionsAsked, adminAsked, adminStarted := false, false, false, false, false
	lastWorking := ""
	var positions *positionsRun
	var auditing *auditRun
	switch {
	case opts.Admin == session.AdminActionAudit:
		auditing = newAuditRun(opts)
	case opts.Admin.Cardless():
		positions = newPositionsRun(opts)
	}
	// leave closes the popup or mode the journey is in and logs out: the
	// command's last word is err.
	leave := func(close func(), err error) error {
		close()
		a.Logout()
		return err
	}
	for {
		var s session.State
		select {
		case s = <-states:
		case <-deadline:
			if !loggedIn {
				return errors.New("login: no session within " + opts.Timeout.String())
			}
			continue
		case <-ctx.Done():
			return nil
		}
		if s.Seq == lastSeq && s.Seq != 0 {
			continue
		}
		lastSeq = s.Seq
		changed := s.Screen != lastScreen
		lastScreen = s.Screen
		if s.Question != 0 {
			if s.Question == answered {
				continue // the same question republished (the policy arrived): answered already
			}
			answered = s.Question
		}
		// Logged in is read off the State, not off having seen ScreenActive:
		// only the newest State is delivered, so the daily reminder's popup
		// may be the first live screen this loop sees.
		if live := s.Active != nil && (s.Screen == session.ScreenActive || s.Screen.OverSession()); live && !loggedIn {
			loggedIn = true
			if err := printSession(stdout, s); err != nil {
				return err
			}
			switch {
			case opts.Renew && !s.Screen.Renewal():
				a.Renew()
				continue
			case opts.Once && !opts.Renew && !opts.ChangePasscode && !opts.Questions && opts.Admin == "":
				a.Logout()
				return nil
			}
		}
		if opts.Unlock && (s.Screen == session.ScreenBlocked || s.Screen == session.ScreenPasscode) {
			if !unlockAsked { // once: the same screen may be published again (the policy arrived)
				unlockAsked = true
				fmt.Fprintf(stderr, "%s\n%s\n", wording.TitleUnlock, wording.UnlockExplain)
				a.StartUnlock()
			}
			continue
		}
		if auditing != nil && s.Screen.AdminMode() && s.Screen != session.ScreenAdminWorking {
			if done, err := auditing.step(a, s, stdout, stderr); done {
				return leave(a.CloseAdmin, err)
			}
			continue
		}
		if positions != nil && s.Screen.AdminMode() && s.Screen != session.ScreenAdminWorking {
			if done, err := positions.step(a, s, stderr); done {
				return leave(a.CloseAdmin, err)
			}
			continue
		}
		switch s.Screen {
		case session.ScreenNoService, session.ScreenNoReader, session.ScreenCardProblem, session.ScreenBlocked, session.ScreenBackendError:
			return fmt.Errorf("%s\n%s", s.Problem, s.Fix)
		case session.ScreenInsertCard:
			if opts.Unlock && unlockAsked { // the card left mid-unlock
				return fmt.Errorf("%s\n%s", wording.UnlockInterrupted.Problem, wording.UnlockInterrupted.Fix)
			}
			if changed {
				if s.Message != "" { // logged out on removal
					fmt.Fprintln(stderr, s.Message)
				}
				fmt.Fprintln(stderr, wording.InsertCard(s.Reader))
			}
		case session.ScreenPasscode:
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			who := wording.UnverifiedCard + " (" + wording.UnverifiedCardWhy + ")"
			if s.Card.Verified {
				who = s.Card.Name + " (" + s.Card.UUID + ")"
			}
			if left := wording.AttemptsLeft(s.TriesLeft); left != "" {
				who += ": " + left
			}
			prompt := fmt.Sprintf("%s. %s\nPasscode (%s): ", who, wording.TermsNotice, s.Rule.Describe())
			p, err := askPasscode(ctx, stdin, stderr, prompt, lines, tty)
			if p == nil {
				return err // Ctrl-C (nil) or a read error
			}
			a.SubmitPasscode(s.Question, p) // the agent wipes p
		case session.ScreenTerms:
			fmt.Fprintf(stderr, "Terms and conditions (version %d):\n%s\n", s.Terms.Version, s.Terms.Text)
			if opts.AcceptTerms || (tty && confirm(lines, stderr, "Accept? [y/N] ")) {
				a.AcceptTerms(s.Question)
			} else {
				a.DeclineTerms(s.Question)
				return errors.New("the terms and conditions were not accepted: no session")
			}
		case session.ScreenRoles:
			var i int
			var err error
			if opts.Role == "" && tty {
				i, err = askRole(lines, stderr, s.Roles, s.RoleIndex)
			} else {
				i, err = pickRole(s.Roles, s.RoleIndex, opts.Role)
			}
			if err != nil {
				return err
			}
			a.SelectRole(s.Question, i)
		case session.ScreenActive:
			if opts.ChangePasscode && !changeAsked {
				changeAsked = true
				a.ChangePasscode()
			}
			if opts.Questions && !questionsAsked {
				questionsAsked = true
				a.OpenQuestions()
			}
			if opts.Admin != "" && !adminAsked {
				adminAsked = true
				if s.Admin == nil {
					a.Logout()
					return errors.New(wording.AdminNotAuthorised.Problem + "\n" + wording.AdminNotAuthorised.Fix)
				}
				a.OpenAdmin()
			}
		case session.ScreenAdmin:
			t := s.Admin.Target
			switch {
			case t == nil:
				if adminStarted { // the card left mid-way
					return leave(a.CloseAdmin, errors.New(wording.AdminCardRemoved))
				}
				if changed {
					fmt.Fprintln(stderr, wording.AdminInsertTarget)
				}
			case t.Problem != "":
				return leave(a.CloseAdmin, errors.New(t.Problem))
			case t.Name == "":
				// still reading it
			case !t.InScope:
				return leave(a.CloseAdmin, errors.New(wording.AdminNotInScope))
			case !adminStarted:
				adminStarted = true
				if t.Blank {
					fmt.Fprintf(stderr, "%s, in %s\n", t.Name, t.Reader)
				} else {
					fmt.Fprintf(stderr, "%s (UUID %s), card %s in %s\n", t.Name, t.UUID, t.GUID, t.Reader)
				}
				if !slices.Contains(s.Admin.Actions, opts.Admin) {
					return leave(a.CloseAdmin, fmt.Errorf("%s\n%s", wording.AdminNotOffered(string(opts.Admin)), wording.AdminNotAuthorised.Fix))
				}
				a.StartAdminAction(opts.Admin)
			}
		case session.ScreenAdminForm:
			if changed {
				fmt.Fprintf(stderr, "%s\n%s\n", wording.TitleAdmin, adminExplain(opts.Admin))
			}
			if s.Message == wording.AdminIdentityFirst || s.Message == wording.AdminReasonNeeded || s.Message == wording.AdminCancelConfirmFirst ||
				s.Message == wording.AdminUserIDNeeded {
				return leave(a.CloseAdmin, errors.New(s.Message)) // the command line's to fix, not the holder's
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			if !opts.Admin.AsksPasscode() {
				a.SubmitAdminForm(s.Question, opts.Confirmed, opts.Reason, nil, nil) // the same question again is dropped
				break
			}
			if !opts.Admin.NewPasscode() {
				p, err := askPasscode(ctx, stdin, stderr, wording.AdminHolderPasscode+" ("+wording.AttemptsLeft(s.TriesLeft)+"): ", lines, tty)
				if p == nil {
					return leave(a.CloseAdmin, err)
				}
				a.SubmitAdminForm(s.Question, opts.IdentityChecked, opts.Reason, p, nil) // the agent wipes it
				break
			}
			next, err := askPasscode(ctx, stdin, stderr, wording.NewPasscodeLabel+" ("+s.Rule.Describe()+"): ", lines, tty)
			if next == nil {
				return leave(a.CloseAdmin, err)
			}
			again, err := askPasscode(ctx, stdin, stderr, wording.RepeatPasscodeLabel+": ", lines, tty)
			if again == nil {
				clear(next)
				return leave(a.CloseAdmin, err)
			}
			if opts.Admin == session.AdminActionEnrol {
				a.SubmitEnrolForm(s.Question, opts.UserID, opts.IdentityChecked, opts.Reason, next, again)
				break
			}
			a.SubmitAdminForm(s.Question, opts.IdentityChecked, opts.Reason, next, again) // the agent wipes them
		case session.ScreenAdminDone:
			fmt.Fprintln(stderr, s.Hint)
			return leave(a.CloseAdmin, nil)
		case session.ScreenAdminFailed:
			return leave(a.CloseAdmin, fmt.Errorf("%s\n%s", s.Problem, s.Fix))
		case session.ScreenQuestions:
			if sent, err := askQuestions(ctx, a, s, stdin, stderr, lines, tty, changed); !sent {
				return leave(a.CloseQuestions, err)
			}
		case session.ScreenQuestionsCode:
			if s.Hint != "" {
				fmt.Fprintln(stderr, s.Hint)
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			fmt.Fprintln(stderr, wording.QuestionsCodeExplain, wording.UnlockCodeSent(s.Unlock.SentTo, s.Unlock.ValidUntil.Local().Format("15:04")))
			code, err := askPasscode(ctx, stdin, stderr, wording.AttemptsLeft(s.Unlock.AttemptsLeft)+"\n"+wording.UnlockCodeLabel+": ", lines, tty)
			if code == nil {
				return leave(a.CloseQuestions, err)
			}
			a.SubmitQuestionsCode(s.Question, code) // the agent wipes it
		case session.ScreenQuestionsSaved:
			fmt.Fprintln(stderr, wording.QuestionsSaved)
			return leave(a.CloseQuestions, nil)
		case session.ScreenQuestionsFailed:
			return leave(a.CloseQuestions, fmt.Errorf("%s\n%s", s.Problem, s.Fix))
		case session.ScreenChangePasscode:
			if changed {
				fmt.Fprintf(stderr, "%s\n%s\n", wording.TitleChangePasscode, wording.ChangePasscodeExplain)
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			if left := wording.AttemptsLeft(s.TriesLeft); left != "" {
				fmt.Fprintln(stderr, left)
			}
			var typed [3][]byte
			for i, label := range []string{wording.CurrentPasscodeLabel, wording.NewPasscodeLabel + " (" + s.Rule.Describe() + ")", wording.RepeatPasscodeLabel} {
				p, err := askPasscode(ctx, stdin, stderr, label+": ", lines, tty)
				if p == nil {
					for _, t := range typed[:i] {
						clear(t)
					}
					return err // Ctrl-C (nil) or a read error
				}
				typed[i] = p
			}
			a.SubmitPasscodeChange(s.Question, typed[0], typed[1], typed[2]) // the agent wipes them
		case session.ScreenChangingPasscode:
			if changed {
				fmt.Fprintln(stderr, wording.ChangingPasscode)
			}
		case session.ScreenPasscodeChanged:
			fmt.Fprintln(stderr, wording.PasscodeChanged)
			a.Logout()
			return nil
		case session.ScreenPasscodeChangeFailed:
			a.Logout()
			return fmt.Errorf("%s\n%s", s.Problem, s.Fix)
		case session.ScreenUnlockQuestions:
			if changed {
				fmt.Fprintln(stderr, wording.UnlockQuestionsExplain)
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			if left := wording.AttemptsLeft(s.Unlock.AnswerAttemptsLeft); left != "" {
				fmt.Fprintln(stderr, left)
			}
			var answers []string
			for _, q := range s.Unlock.Questions {
				ans, err := askPasscode(ctx, stdin, stderr, q.Text+"\n"+wording.UnlockAnswerLabel+": ", lines, tty)
				if ans == nil {
					return err
				}
				answers = append(answers, string(ans))
				clear(ans)
			}
			a.SubmitUnlockAnswers(s.Question, answers)
		case session.ScreenUnlockCode:
			if s.Hint != "" {
				fmt.Fprintln(stderr, s.Hint)
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			fmt.Fprintln(stderr, wording.UnlockCodeSent(s.Unlock.SentTo, s.Unlock.ValidUntil.Local().Format("15:04")))
			code, err := askPasscode(ctx, stdin, stderr, wording.AttemptsLeft(s.Unlock.AttemptsLeft)+"\n"+wording.UnlockCodeLabel+": ", lines, tty)
			if code == nil {
				return err
			}
			a.SubmitUnlockCode(s.Question, code) // the agent wipes it
		case session.ScreenUnlockPasscode:
			if s.Hint != "" {
				fmt.Fprintln(stderr, s.Hint)
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			next, err := askPasscode(ctx, stdin, stderr, wording.NewPasscodeLabel+" ("+s.Rule.Describe()+"): ", lines, tty)
			if next == nil {
				return err
			}
			again, err := askPasscode(ctx, stdin, stderr, wording.RepeatPasscodeLabel+": ", lines, tty)
			if again == nil {
				clear(next)
				return err
			}
			a.SubmitUnlockPasscode(s.Question, next, again) // the agent wipes them
		case session.ScreenUnlocking, session.ScreenAdminWorking, session.ScreenSavingQuestions: // identityd or the card at work
			if s.Working != lastWorking {
				lastWorking = s.Working
				fmt.Fprintln(stderr, s.Working)
			}
		case session.ScreenUnlocked:
			fmt.Fprintln(stderr, wording.Unlocked)
			a.CloseUnlock()
			return nil
		case session.ScreenUnlockFailed:
			a.CloseUnlock()
			return fmt.Errorf("%s\n%s", s.Problem, s.Fix)
		case session.ScreenRenewPasscode:
			if loggedIn && !opts.Renew {
				a.CloseRenewal() // the daily reminder: the terminal login renews only when asked (then ScreenActive)
				// What was asked of the active screen just before the reminder
				// came was not done: ask it again when it is back.
				changeAsked, questionsAsked, adminAsked = false, false, false
				continue
			}
			if changed {
				fmt.Fprintf(stderr, "%s\n%s\n", wording.TitleRenew, wording.RenewExplain)
			}
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			prompt := fmt.Sprintf("%s\nPasscode (%s): ", wording.AttemptsLeft(s.TriesLeft), s.Rule.Describe())
			p, err := askPasscode(ctx, stdin, stderr, prompt, lines, tty)
			if p == nil {
				return err // Ctrl-C (nil) or a read error
			}
			a.SubmitRenewalPasscode(s.Question, p) // the agent wipes p
		case session.ScreenRenewing:
			renewing = true
			if s.Renewing != lastStep {
				lastStep = s.Renewing
				fmt.Fprintf(stderr, "%d/%d %s…\n", s.Renewing, len(wording.RenewSteps), s.Renewing.Text())
			}
		case session.ScreenRenewed:
			fmt.Fprintln(stderr, wording.Renewed(s.RenewedUntil.Format("2 January 2006")))
			if !loggedIn { // an interrupted renewal, finished before the login: go on to it
				a.CloseRenewal()
				continue
			}
			a.Logout()
			return nil
		case session.ScreenRenewFailed:
			a.Logout()
			return fmt.Errorf("%s\n%s", s.Problem, s.Fix)
		case session.ScreenLocked:
			switch {
			case opts.Renew && renewing: // the card left mid-renewal: `renew` did not do its job
				return fmt.Errorf("%s\n%s", wording.CardRemovedLocked, wording.RenewInterrupted)
			case (opts.Renew || opts.ChangePasscode || opts.Questions || opts.Admin != "") && loggedIn:
				return errors.New(wording.CardRemovedLocked)
			case loggedIn:
				fmt.Fprintln(stderr, wording.CardRemovedLocked)
				return nil
			}
		}
	}
}

// askQuestions asks for four questions by their number in the catalogue,
// an answer to each (without echo on a terminal: its scrollback would keep
// them) and the passcode, and sends them (sent); the agent checks them.
// Not sent: the user gave up (a nil error) or reading failed.
func askQuestions(ctx context.Context, a Agent, s session.State, stdin *os.File, w io.Writer, lines *bufio.Reader, tty, changed bool) (sent bool, err error) {
	if changed {
		fmt.Fprintf(w, "%s\n%s\n", wording.TitleQuestions, wording.QuestionsExplain)
	}
	if s.Message != "" {
		fmt.Fprintln(w, s.Message)
	}
	if s.Questions == nil {
		return false, errors.New(wording.QuestionsNotSaved.Problem)
	}
	for i, q := range s.Questions.Catalogue {
		fmt.Fprintf(w, "%2d. %s\n", i+1, q.Text)
	}
	var ids, answers []string
	for len(ids) < session.QuestionsToRegister {
		n, err := readPasscode(ctx, stdin, w, fmt.Sprintf("Question %d of %d (a number): ", len(ids)+1, session.QuestionsToRegister), lines, false)
		if err != nil {
			return false, ignoreCancel(err)
		}
		i, err := strconv.Atoi(strings.TrimSpace(string(n)))
		if err != nil || i < 1 || i > len(s.Questions.Catalogue) {
			fmt.Fprintf(w, "Type a number from 1 to %d.\n", len(s.Questions.Catalogue))
			continue
		}
		q := s.Questions.Catalogue[i-1]
		if slices.Contains(ids, q.ID) {
			fmt.Fprintln(w, wording.QuestionsFour)
			continue
		}
		ans, err := askPasscode(ctx, stdin, w, q.Text+"\n"+wording.UnlockAnswerLabel+": ", lines, tty)
		if ans == nil {
			return false, err
		}
		ids, answers = append(ids, q.ID), append(answers, string(ans))
		clear(ans)
	}
	if left := wording.AttemptsLeft(s.TriesLeft); left != "" {
		fmt.Fprintln(w, left)
	}
	p, err := askPasscode(ctx, stdin, w, fmt.Sprintf("%s (%s): ", wording.QuestionsPasscode, s.Rule.Describe()), lines, tty)
	if p == nil {
		return false, err
	}
	a.SubmitQuestions(s.Question, ids, answers, p) // the agent wipes p
	return true, nil
}

func ignoreCancel(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// askPasscode reads a passcode for a question: nil and a nil error when
// the user gave up (Ctrl-C), nil and the error when reading failed.
func askPasscode(ctx context.Context, stdin *os.File, w io.Writer, prompt string, lines *bufio.Reader, tty bool) ([]byte, error) {
	p, err := readPasscode(ctx, stdin, w, prompt, lines, tty)
	fmt.Fprintln(w)
	switch {
	case errors.Is(err, context.Canceled):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the passcode: %w", err)
	case p == nil:
		return []byte{}, nil // an empty line: the session says what is wrong with it
	}
	return p, nil
}

// readPasscode prints prompt and reads without echo from a terminal (the
// echo goes off before the prompt shows), else one line of stdin; it gives
// up when ctx ends (Ctrl-C). The terminal's echo comes back either way. The
// passcode stays in byte slices the agent wipes, never in a string.
func readPasscode(ctx context.Context, stdin *os.File, w io.Writer, prompt string, lines *bufio.Reader, tty bool) ([]byte, error) {
	type read struct {
		p   []byte
		err error
	}
	got := make(chan read, 1)
	restore := func() {}
	if tty {
		fd := int(stdin.Fd())
		if st, err := term.GetState(fd); err == nil {
			restore = func() { term.Restore(fd, st) }
		}
		if err := echoOff(fd); err != nil {
			restore()
			return nil, fmt.Errorf("turning the terminal's echo off: %w", err)
		}
	}
	defer restore()
	fmt.Fprint(w, prompt)
	go func() {
		if tty {
			p, err := term.ReadPassword(int(stdin.Fd()))
			got <- read{p, err}
			return
		}
		line, err := lines.ReadBytes('\n')
		if err != nil && len(line) == 0 {
			got <- read{nil, err}
			return
		}
		got <- read{bytes.TrimRight(line, "\r\n"), nil}
	}()
	select {
	case r := <-got:
		return r.p, r.err
	case <-ctx.Done():
		return nil, context.Canceled
	}
}

func confirm(lines *bufio.Reader, w io.Writer, prompt string) bool {
	fmt.Fprint(w, prompt)
	answer, _ := lines.ReadString('\n')
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(answer)), "y")
}

// askRole offers the roles as a numbered list, the preselected one (the
// last used here) marked and taken on an empty answer.
func askRole(lines *bufio.Reader, w io.Writer, roles []session.Role, preselected int) (int, error) {
	fmt.Fprintln(w, "Choose your role:")
	for i, r := range roles {
		mark := " "
		if i == preselected {
			mark = "*"
		}
		fmt.Fprintf(w, " %s %d. %s (%s)\n", mark, i+1, r.Name, r.Organisation)
	}
	for {
		fmt.Fprintf(w, "Role [%d]: ", preselected+1)
		answer, err := lines.ReadString('\n')
		answer = strings.TrimSpace(answer)
		if answer == "" {
			if err != nil {
				return 0, fmt.Errorf("reading the role: %w", err)
			}
			return preselected, nil
		}
		if n, convErr := strconv.Atoi(answer); convErr == nil && n >= 1 && n <= len(roles) {
			return n - 1, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading the role: %w", err)
		}
		fmt.Fprintf(w, "Type a number from 1 to %d, or press Enter for %d.\n", len(roles), preselected+1)
	}
}

func pickRole(roles []session.Role, preselected int, want string) (int, error) {
	if want == "" {
		return preselected, nil
	}
	for i, r := range roles {
		if strings.EqualFold(r.Name, want) || r.ID == want {
			return i, nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name + " (" + r.Organisation + ")"
	}
	return 0, fmt.Errorf("role %q is not one of yours: %s", want, strings.Join(names, ", "))
}

func printSession(w io.Writer, s session.State) error {
	r := loginResult{
		User: s.Active.User, UUID: s.Active.UUID, Role: s.Active.Role, Organisation: s.Active.Organisation,
		Since: s.Active.Since, Reader: s.Reader, Demo: s.Demo,
	}
	if s.Expiry != nil {
		r.ExpiryAlert = s.Expiry.Text()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// adminExplain is what the form of action says before the passcode.
func adminExplain(action session.AdminAction) string {
	switch action {
	case session.AdminActionRepair:
		return wording.AdminRepairExplain
	case session.AdminActionRenew:
		return wording.AdminRenewExplain
	case session.AdminActionCancel:
		return wording.AdminCancelExplain
	case session.AdminActionEnrol:
		return wording.AdminEnrolExplain
	}
	return wording.AdminUnlockExplain
}
