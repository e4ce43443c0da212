package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name, ct, body string
		status         int
		code           api.ErrorCode
	}{
		{"ok", "application/json", `{"workstation_id":"ws-1"}`, 0, ""},
		{"ok with charset", "application/json; charset=utf-8", `{"workstation_id":"ws-1"}`, 0, ""},
		{"no content type", "", `{"workstation_id":"ws-1"}`, 415, api.CodeUnsupportedMediaType},
		{"form", "application/x-www-form-urlencoded", `workstation_id=ws-1`, 415, api.CodeUnsupportedMediaType},
		{"truncated", "application/json", `{"workstation_id":`, 400, api.CodeMalformedBody},
		{"array", "application/json", `[1]`, 400, api.CodeMalformedBody},
		{"two objects", "application/json", `{"workstation_id":"a"} {"workstation_id":"b"}`, 400, api.CodeMalformedBody},
		{"unknown field", "application/json", `{"workstation_id":"a","x":1}`, 400, api.CodeUnknownField},
		{"key in another case", "application/json", `{"WORKSTATION_ID":"ws-1"}`, 400, api.CodeUnknownField},
		{"key in mixed case", "application/json", `{"Workstation_Id":"ws-1"}`, 400, api.CodeUnknownField},
		{"key twice", "application/json", `{"workstation_id":"ws-1","workstation_id":"ws-2"}`, 400, api.CodeMalformedBody},
		{"key twice, same value", "application/json", `{"workstation_id":"ws-1","workstation_id":"ws-1"}`, 400, api.CodeMalformedBody},
		{"wrong type", "application/json", `{"workstation_id":7}`, 400, api.CodeMalformedBody},
		{"invalid", "application/json", `{"workstation_id":""}`, 400, api.CodeInvalidRequest},
		{"too large", "application/json", `{"workstation_id":"` + strings.Repeat("a", api.MaxRequestBody) + `"}`, 413, api.CodeBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/v1/challenges", strings.NewReader(tt.body))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			var req api.ChallengeRequest
			err := decodeBody(httptest.NewRecorder(), r, &req)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Status != tt.status || e.Code != tt.code {
				t.Fatalf("decodeBody = %v, want %d %s", err, tt.status, tt.code)
			}
		})
	}
}

// fuzzDecoder checks, for any input, that decoding never panics, that a
// refusal is always a 4xx *errs.Error, and that an accepted request
// round-trips: encode → decode again gives the same value.
func fuzzDecoder[T any, P interface {
	*T
	validator
}](t *testing.T, body []byte) {
	var v T
	err := decodeJSON(body, P(&v))
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Status/100 != 4 {
			t.Fatalf("refusal %v is not a 4xx errs.Error", err)
		}
		return
	}
	b, err := json.Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	var w T
	if err := decodeJSON(b, P(&w)); err != nil {
		t.Fatalf("re-decoding %s: %v", b, err)
	}
	if !reflect.DeepEqual(v, w) {
		t.Fatalf("round trip changed %+v into %+v", v, w)
	}
}

var proofSeed = `{"nonce":"AQID","workstation_id":"ws-1","card_guid":"00112233445566778899aabbccddeeff","certificate":"MIIB","signature":"MEUC"}`

func FuzzDecodeCreateSession(f *testing.F) {
	for _, s := range []string{proofSeed, `{}`, `{"nonce":null}`, `{"nonce":"AQID","extra":1}`, `[`, "\x00", `{"card_guid":"` + strings.Repeat("f", 32) + `"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder[api.CreateSessionRequest](t, b) })
}

func FuzzDecodeResume(f *testing.F) {
	f.Add([]byte(proofSeed))
	f.Add([]byte(`{"signature":"////"}`))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder[api.ResumeRequest](t, b) })
}

func FuzzDecodeChallenge(f *testing.F) {
	for _, s := range []string{`{"workstation_id":"ws-1"}`, `{"workstation_id":"a b"}`, `{"workstation_id":"\u00e9"}`, `{"Workstation_ID":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder[api.ChallengeRequest](t, b) })
}

func FuzzDecodeTermsAndRole(f *testing.F) {
	for _, s := range []string{`{"version":1}`, `{"version":-1}`, `{"version":1e3}`, `{"role_id":"demo-ada-gp"}`, `{"role_id":"../x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzDecoder[api.AcceptTermsRequest](t, b)
		fuzzDecoder[api.SelectRoleRequest](t, b)
	})
}

func FuzzDecodeRenewal(f *testing.F) {
	for _, s := range []string{`{"session_id":"abc"}`, `{"session_id":"a/b"}`,
		`{"purpose":"generate-9c","challenge":"AAECAwQFBgcICQoLDA0ODw=="}`, `{"purpose":"write","challenge":"AAEC"}`,
		`{"purpose":"GENERATE-9C","challenge":""}`, `{"public_key":"MFkwEwYHKoZIzj0CAQ=="}`, `{"public_key":""}`,
		`{"authentication_csr":"MIIB","signature_csr":"MIIB"}`, `{"authentication_csr":"MIIB","signature_csr":"MIIB","x":1}`, proofSeed} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzDecoder[api.OpenRenewalRequest](t, b)
		fuzzDecoder[api.CardAuthRequest](t, b)
		fuzzDecoder[api.RecordKeyRequest](t, b)
		fuzzDecoder[api.IssueRequest](t, b)
		fuzzDecoder[api.CompleteRenewalRequest](t, b)
	})
}

func FuzzDecodeUnlockPasscodeQuestionsAdmin(f *testing.F) {
	for _, s := range []string{`{"card_guid":"00112233445566778899aabbccddeeff","workstation_id":"ws-1"}`,
		`{"card_guid":"0011","workstation_id":"ws-1"}`, `{"code":"12345678"}`, `{"code":"1234567a"}`, `{"code":12345678}`,
		`{"encrypted_witness":"AAECAwQFBgcICQoLDA0ODw=="}`, `{"card_answer":"AAEC"}`, `{"used_previous":true}`,
		`{"outcome":"changed"}`, `{"outcome":"wrong_passcode","tries_left":2}`, `{"outcome":"blocked","tries_left":0}`,
		`{"answers":[{"question_id":"q01","answer":"Biscuit"},{"question_id":"q07","answer":"St. Albans"}]}`,
		`{"answers":[{"question_id":"q01","answer":"ab"},{"question_id":"q01","answer":"Biscuit"}]}`,
		`{"answers":[{"question_id":"x","answer":"\u0130stanbul"}]}`,
		`{"proof":{"nonce":"AQ","workstation_id":"ws-1","card_guid":"00112233445566778899aabbccddeeff","certificate":"AA==","signature":"AA=="},` +
			`"answers":[{"question_id":"q01","answer":"one"},{"question_id":"q02","answer":"two"},{"question_id":"q03","answer":"three"},{"question_id":"q04","answer":"four"}]}`,
		`{"card_guid":"00112233445566778899aabbccddeeff","identity_checked":true,"reason":"seen with badge"}`,
		`{"card_guid":"00112233445566778899aabbccddeeff","identity_checked":false,"reason":"x\ny"}`,
		`{"card_guid":"00112233445566778899aabbccddeeff","identity_checked":true,"reason":"card faulty, seen with badge","repair":true}`,
		`{"card_guid":"00112233445566778899aabbccddeeff","confirmed":true,"reason":"reported stolen by phone"}`,
		`{"user_id":"123456789012","identity_checked":true,"reason":"new starter, passport seen"}`,
		`{"user_id":"123456789012","card_guid":"00112233445566778899aabbccddeeff","identity_checked":true,"reason":"going on"}`,
		`{"role":"Ward Clerk","identity_checked":true,"reason":"starts on ward 7"}`, `{"role":" x","identity_checked":true,"reason":"abc"}`,
		`{"role":"Clerk\u0007","identity_checked":true,"reason":"abc"}`, `{"reason":"left the trust"}`,
		`{"ends_at":"2027-01-31T17:00:00Z","reason":"fixed-term contract"}`, `{"ends_at":"yesterday","reason":"abc"}`,
		`{"audience":"ward-app"}`, `{"audience":"https://ward.example/app"}`, `{"audience":"a b"}`, `{"audience":""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzDecoder[api.UnlockRequest](t, b)
		fuzzDecoder[api.UnlockCodeRequest](t, b)
		fuzzDecoder[api.UnlockWitnessRequest](t, b)
		fuzzDecoder[api.UnlockPUKRequest](t, b)
		fuzzDecoder[api.UnlockCompleteRequest](t, b)
		fuzzDecoder[api.PasscodeChangeReport](t, b)
		fuzzDecoder[api.UnlockAnswersRequest](t, b)
		fuzzDecoder[api.RegisterQuestionsRequest](t, b)
		fuzzDecoder[api.ConfirmQuestionsRequest](t, b)
		fuzzDecoder[api.AdminUnlockRequest](t, b)
		fuzzDecoder[api.AdminRenewalRequest](t, b)
		fuzzDecoder[api.AdminCancelRequest](t, b)
		fuzzDecoder[api.AdminEnrolRequest](t, b)
		fuzzDecoder[api.AdminGrantRequest](t, b)
		fuzzDecoder[api.AdminEndPositionRequest](t, b)
		fuzzDecoder[api.AssertionRequest](t, b)
	})
}

func TestRoutesMatchAPI(t *testing.T) {
	h := New(nil)
	got, want := slices.Clone(h.Routes()), slices.Clone(api.Routes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registered routes\n  %v\napi.Routes\n  %v", got, want)
	}
}

func TestUnknownRouteIsTypedJSON(t *testing.T) {
	h := New(nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v2/nothing", nil))
	var e api.Error
	if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Code != api.CodeNotFound {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

// TestWrongMethodIs405: a path that exists answers another method with 405
// method_not_allowed and an Allow header naming the methods it answers.
func TestWrongMethodIs405(t *testing.T) {
	h := New(nil)
	tests := []struct {
		method, path, allow string
	}{
		{"GET", "/v1/challenges", "POST"},
		{"PUT", "/v1/sessions", "POST"},
		{"POST", "/v1/sessions/abc", "GET, HEAD, DELETE"},
		{"GET", "/v1/sessions/abc/role", "PUT"},
		{"DELETE", "/v1/policy", "GET, HEAD"},
		{"GET", "/v1/renewals", "POST"},
		{"POST", "/v1/renewals/abc/keys/9a", "PUT"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		var e api.Error
		if rec.Code != http.StatusMethodNotAllowed || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Code != api.CodeMethodNotAllowed {
			t.Errorf("%s %s: %d %s, want 405 method_not_allowed", tt.method, tt.path, rec.Code, rec.Body)
		}
		if got := rec.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}
