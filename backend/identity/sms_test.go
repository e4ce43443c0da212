package identity

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

type recordingSender struct {
	got  []UnlockCode
	fail error
}

func (r *recordingSender) SendUnlockCode(_ context.Context, c UnlockCode) error {
	r.got = append(r.got, c)
	return r.fail
}

// The SMS stand-in logs that a text was due, to a partly hidden number,
// never the code; beside email it never fails a request email delivered.
func TestSMSChannel(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	code := UnlockCode{To: "ada@nhs.net", Mobile: "07700900001", Code: "24681357"}
	email := &recordingSender{}
	failing := &recordingSender{fail: errors.New("gateway down")}
	ch := channels{first: email, more: []CodeSender{smsLog{log}, failing}, log: log}
	if err := ch.SendUnlockCode(context.Background(), code); err != nil {
		t.Fatalf("a failing extra channel failed the send: %v", err)
	}
	if len(email.got) != 1 || len(failing.got) != 1 {
		t.Fatalf("email %d, extra %d sends", len(email.got), len(failing.got))
	}
	out := logs.String()
	if !strings.Contains(out, "•••001") || strings.Contains(out, "07700900001") || strings.Contains(out, code.Code) {
		t.Fatalf("SMS log: %s", out)
	}
	email.fail = errors.New("smtp down")
	if err := ch.SendUnlockCode(context.Background(), code); err == nil {
		t.Fatal("an email that failed did not fail the send")
	}
}
