//go:build e2e

package e2e

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/wording"
)

// registeredAnswers are the demo clinician's four questions (by their
// number in identityd's catalogue and their text) and answers.
var registeredAnswers = []struct{ number, text, answer string }{
	{"1", "What was the name of your first pet?", "Biscuit"},
	{"3", "What was the name of the street you lived on at age ten?", "Mill Lane"},
	{"7", "In what town was your first job?", "St. Albans"},
	{"13", "What was the name of your first school?", "Hillside Primary"},
}

// TestAgentQuestions: under email+questions, through pcscd, vcard,
// identityd (both stores) and a real SMTP server: an unlock before any
// questions are registered is refused (face to face only); `cardagent
// questions --no-gui` registers four, the card signing with the passcode
// and the emailed code confirming them; then a blocked card is unlocked by
// `cardagent unlock --no-gui` after a wrong attempt and the right answers
// (typed differently), the code and a new passcode; three wrong attempts
// later only a face-to-face unlock is left. No answer, passcode or code is
// in the agent's output, the emails or the audit trail.
func TestAgentQuestions(t *testing.T) { onBothStores(t, agentQuestions) }

func agentQuestions(t *testing.T, db string) {
	needRig(t)
	id, smtp := startMailingIdentityd(t, db, "-self-service-unlock", "email+questions")
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	const fresh = "582047"
	var out strings.Builder

	// Nothing registered: only face to face.
	block(t)
	refused := unlockWithAnswers(t, id, smtp, nil, 0, "")
	if !strings.Contains(refused, wording.UnlockNoQuestions.Problem) {
		t.Fatalf("an unlock without questions:\n%s", refused)
	}
	out.WriteString(refused)
	if err := ykpiv("-a", "unblock-pin", "-P", strings.TrimSpace(readFile(t, filepath.Join(id.CardDir, testkit.DemoClinician+".puk"))), "-N", demoPasscode); err != nil {
		t.Fatalf("unblocking with the enrolment PUK: %v", err) // the test's own way back, as an LSA would
	}

	// Register four questions.
	cmd, logs := agentCmd(t, id, "questions", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms")
	in := startTyping(t, cmd)
	typed := demoPasscode + "\n"
	for _, q := range registeredAnswers {
		typed += q.number + "\n" + q.answer + "\n"
	}
	io.WriteString(in, typed+demoPasscode+"\n")
	io.WriteString(in, waitUnlockCode(t, smtp, "ada.demo@nhs.net", 1, logs)+"\n")
	in.Close()
	waitExit(t, cmd, logs)
	if !strings.Contains(logs.String(), wording.QuestionsSaved) {
		t.Fatalf("the questions were not registered:\n%s", logs.String())
	}
	out.WriteString(logs.String())
	assertNotVerified(t, "after registering the questions")

	// A blocked card, a wrong attempt, then the right answers: unlocked.
	block(t)
	out.WriteString(unlockWithAnswers(t, id, smtp, []bool{false, true}, 2, fresh))
	login, llogs := agentCmd(t, id, "login", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(fresh + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)
	assertNotVerified(t, "after the unlock by questions and a login")

	// Three wrong attempts: face to face only, now and at the next request.
	block(t)
	last := unlockWithAnswers(t, id, smtp, []bool{false, false, false}, 0, "")
	if !strings.Contains(last, wording.UnlockFaceToFace.Problem) {
		t.Fatalf("three wrong attempts:\n%s", last)
	}
	again := unlockWithAnswers(t, id, smtp, nil, 0, "")
	if !strings.Contains(again, wording.UnlockFaceToFace.Problem) {
		t.Fatalf("a request after three wrong attempts:\n%s", again)
	}
	out.WriteString(last + again)

	secrets := []string{fresh, demoPasscode, smtpPassword}
	for _, q := range registeredAnswers {
		secrets = append(secrets, q.answer)
	}
	msgs, err := smtp.Messages()
	if err != nil {
		t.Fatal(err)
	}
	codes := secrets[:0:0]
	for _, m := range msgs {
		if c := unlockCodeRE.FindStringSubmatch(m.Text); c != nil {
			codes = append(codes, c[1])
		}
		for _, q := range registeredAnswers {
			if strings.Contains(m.Text, q.answer) {
				t.Errorf("an answer is in an email:\n%s", m.Text)
			}
		}
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0].Subject, "security questions") {
		t.Errorf("%d emails, want the confirmation and one unlock code: %+v", len(msgs), msgs)
	}
	actions := map[string]int{}
	for _, rec := range auditTail(t, id, 400) {
		line := rec.Line
		actions[rec.Action+" "+rec.Outcome]++
		for _, s := range append(secrets, codes...) {
			if holdsSecret(line, s) || strings.Contains(strings.ToLower(line), strings.ToLower(s)) && len(s) > 6 {
				t.Errorf("a secret is in the audit trail: %s", line)
			}
		}
	}
	for _, want := range []string{"questions.register ok", "questions.confirm ok", "unlock.answers unlock_answers_wrong",
		"unlock.answers unlock_face_to_face", "unlock.request unlock_no_questions", "unlock.request unlock_face_to_face", "unlock.complete ok"} {
		if actions[want] == 0 {
			t.Errorf("no %q in the audit trail: %v", want, actions)
		}
	}
	for _, s := range append(secrets, codes...) {
		if holdsSecret(out.String(), s) {
			t.Errorf("%q is in the agent's output:\n%s", s, out.String())
		}
	}
}

// unlockWithAnswers runs `cardagent unlock --no-gui` and answers each
// attempt's two questions, rightly (typed otherwise than registered) or
// not; with the n-th email's code and passcode it goes on to unlock. It
// returns the agent's output; with no passcode the command is expected to
// fail, and its output says why.
func unlockWithAnswers(t *testing.T, id *testkit.Identityd, smtp *testkit.SMTP, attempts []bool, n int, passcode string) string {
	t.Helper()
	cmd, logs := agentCmd(t, id, "unlock", "--no-gui")
	in := startTyping(t, cmd)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	seen := 0 // the questions asked so far, counted in the output
	for _, right := range attempts {
		for range 2 {
			answer := waitQuestion(t, logs, seen, done)
			seen++
			if !right {
				answer = "not " + answer
			} else {
				answer = strings.ToUpper(strings.ReplaceAll(answer, " ", "")) // however typed
			}
			io.WriteString(in, answer+"\n")
		}
	}
	if passcode != "" {
		io.WriteString(in, waitUnlockCode(t, smtp, "ada.demo@nhs.net", n, logs)+"\n"+passcode+"\n"+passcode+"\n")
	}
	in.Close()
	select {
	case err := <-done:
		if (err == nil) != (passcode != "") {
			t.Fatalf("unlock exited with %v:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("unlock still running:\n%s", logs.String())
	}
	if passcode != "" && !strings.Contains(logs.String(), wording.Unlocked) {
		t.Fatalf("the agent did not unlock the card:\n%s", logs.String())
	}
	return logs.String()
}

// waitQuestion waits for the agent to ask a question beyond the first
// seen, and returns its registered answer.
func waitQuestion(t *testing.T, logs *testkit.SyncBuffer, seen int, done <-chan error) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out := logs.String()
		type asked struct {
			at     int
			answer string
		}
		var all []asked
		for _, q := range registeredAnswers {
			rest, off := out, 0
			for {
				i := strings.Index(rest, q.text+"\n"+wording.UnlockAnswerLabel)
				if i < 0 {
					break
				}
				all = append(all, asked{off + i, q.answer})
				rest, off = rest[i+1:], off+i+1
			}
		}
		if len(all) > seen {
			// The (seen+1)-th question in the order the agent asked them.
			slices.SortFunc(all, func(a, b asked) int { return a.at - b.at })
			return all[seen].answer
		}
		select {
		case err := <-done:
			t.Fatalf("the agent exited (%v) before question %d:\n%s", err, seen+1, out)
		default:
		}
	}
	t.Fatalf("the agent asked no question %d:\n%s", seen+1, logs.String())
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
