package httpapi

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// nested is a request shape with objects inside objects, to hold the key
// checks below the top level.
type nested struct {
	Outer struct {
		Inner struct {
			Name string `json:"name"`
		} `json:"inner"`
		List []struct {
			ID int `json:"id"`
		} `json:"list"`
	} `json:"outer"`
	Tags map[string]string `json:"tags"`
}

func (nested) Validate() error { return nil }

func TestStrictKeysNested(t *testing.T) {
	tests := []struct {
		name, body string
		code       api.ErrorCode
	}{
		{"ok", `{"outer":{"inner":{"name":"a"},"list":[{"id":1},{"id":2}]},"tags":{"a":"1","A":"2"}}`, ""},
		{"nested key twice", `{"outer":{"inner":{"name":"a","name":"b"}}}`, api.CodeMalformedBody},
		{"nested key in another case", `{"outer":{"inner":{"NAME":"a"}}}`, api.CodeUnknownField},
		{"key in an array element in another case", `{"outer":{"list":[{"id":1},{"Id":2}]}}`, api.CodeUnknownField},
		{"key twice in an array element", `{"outer":{"list":[{"id":1,"id":2}]}}`, api.CodeMalformedBody},
		{"map key twice", `{"tags":{"a":"1","a":"2"}}`, api.CodeMalformedBody},
		{"outer key in another case", `{"OUTER":{}}`, api.CodeUnknownField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v nested
			err := decodeJSON([]byte(tt.body), &v)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code != tt.code {
				t.Fatalf("decodeJSON(%s) = %v, want 400 %s", tt.body, err, tt.code)
			}
		})
	}
}

// TestRefusalEchoIsBounded: an unknown field name of any length (or one
// that is not UTF-8) is repeated cut to a few dozen bytes on a rune
// boundary, never whole.
func TestRefusalEchoIsBounded(t *testing.T) {
	for _, name := range []string{
		strings.Repeat("A", 45<<10),
		strings.Repeat("é", 100), // two bytes each: a cut inside one must not split it
		"\xff\xfe" + strings.Repeat("x", 100),
	} {
		err := decodeJSON([]byte(`{"workstation_id":"ws-1",`+jsonString(name)+`:1}`), &api.ChallengeRequest{})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != api.CodeUnknownField {
			t.Fatalf("got %v, want unknown_field", err)
		}
		if len(e.Msg) > 64 || !utf8.ValidString(e.Msg) {
			t.Fatalf("refusal message is %d bytes (valid UTF-8: %v): %.80q", len(e.Msg), utf8.ValidString(e.Msg), e.Msg)
		}
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
