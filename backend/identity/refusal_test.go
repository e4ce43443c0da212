package identity_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// TestRefusals checks that each refusal is a typed error with the right
// status and that each leaves an audit record naming its reason.
func TestRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		const ws = "ws-1"
		cl := w.env.Client(ws)

		login := func(card *testenv.Card) api.Session {
			t.Helper()
			s, err := testenv.Login(ctx, cl, card)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		proof := func(card *testenv.Card) api.CardProof {
			t.Helper()
			ch, err := cl.Challenge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p, err := testenv.Prove(card, ch, ws)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		postSession := func(p api.CardProof) error { return errOf(cl.Login(ctx, p)) }

		cases := []struct {
			name   string
			do     func() error
			status int
			code   api.ErrorCode
		}{
			{"replayed nonce", func() error {
				p := proof(w.ada)
				if err := postSession(p); err != nil {
					t.Fatal(err)
				}
				return postSession(p)
			}, 401, api.CodeChallengeReplayed},
			{"expired nonce", func() error {
				p := proof(w.ada)
				w.clock.Advance(61 * time.Second)
				return postSession(p)
			}, 401, api.CodeChallengeExpired},
			{"nonce of another workstation", func() error {
				ch, _ := w.env.Client("ws-other").Challenge(ctx)
				p, _ := testenv.Prove(w.ada, ch, ws)
				return postSession(p)
			}, 401, api.CodeChallengeInvalid},
			{"forged nonce", func() error {
				p := proof(w.ada)
				b, _ := base64.RawURLEncoding.DecodeString(p.Nonce)
				b[5] ^= 1
				p.Nonce = base64.RawURLEncoding.EncodeToString(b)
				return postSession(p)
			}, 401, api.CodeChallengeInvalid},
			{"signature by another card's key", func() error {
				p := proof(w.ada)
				q := proof(w.sam)
				p.Signature = q.Signature
				return postSession(p)
			}, 401, api.CodeSignatureInvalid},
			{"certificate of another card", func() error {
				p := proof(w.ada)
				p.Certificate = base64.StdEncoding.EncodeToString(w.sam.Cert.Raw)
				return postSession(p)
			}, 401, api.CodeCertificateMismatch},
			{"certificate from another CA", func() error {
				der, key, _ := ca.Generate("rogue CA", time.Now())
				rogue, _ := ca.New(der, key)
				cert, err := rogue.IssueCard(ca.CardRequest{PublicKey: w.ada.Key.Public(), UserID: "555000000001", Name: "Dr Ada Demo",
					CardGUID: w.ada.GUID, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)})
				if err != nil {
					t.Fatal(err)
				}
				forged := *w.ada
				forged.Cert = cert
				return postSession(proof(&forged))
			}, 401, api.CodeCertificateUntrusted},
			{"expired certificate", func() error {
				w.clock.Advance(731 * 24 * time.Hour)
				defer w.clock.Advance(-731 * 24 * time.Hour)
				return postSession(proof(w.ada))
			}, 401, api.CodeCertificateExpired},
			{"unknown card", func() error {
				p := proof(w.ada)
				p.CardGUID = strings.Repeat("0", 32)
				return postSession(p)
			}, 401, api.CodeCertificateMismatch},
			{"cancelled card", func() error {
				key, _ := testenv.NewKey(false)
				c, err := w.env.EnrolCard(ctx, "555000000002", key)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.env.Svc.CancelCard(ctx, "test", c.GUID, "lost"); err != nil {
					t.Fatal(err)
				}
				return postSession(proof(c))
			}, 403, api.CodeCardCancelled},
			{"terms not accepted", func() error {
				s := login(w.sam)
				return errOf(cl.SelectRole(ctx, testenv.Ticket(s), "demo-sam-ra"))
			}, 403, api.CodeTermsNotAccepted},
			{"role not held", func() error {
				s := login(w.ada)
				if s.TermsRequired {
					if _, err := cl.AcceptTerms(ctx, testenv.Ticket(s), s.Terms.Version); err != nil {
						t.Fatal(err)
					}
				}
				return errOf(cl.SelectRole(ctx, testenv.Ticket(s), "demo-sam-ra"))
			}, 403, api.CodeRoleNotHeld},
			{"token of another workstation", func() error {
				s := login(w.ada)
				return errOf(w.env.Client("ws-2").Session(ctx, testenv.Ticket(s)))
			}, 401, api.CodeWorkstationMismatch},
			{"wrong token", func() error {
				tk := testenv.Ticket(login(w.ada))
				tk.Token = map[bool]string{true: "y", false: "x"}[tk.Token[0] == 'x'] + tk.Token[1:]
				return cl.End(ctx, tk)
			}, 401, api.CodeUnauthenticated},
			{"resume with another card", func() error {
				tk := testenv.Ticket(login(w.ada))
				if _, err := cl.Suspend(ctx, tk); err != nil {
					t.Fatal(err)
				}
				return errOf(cl.Resume(ctx, tk, proof(w.sam)))
			}, 403, api.CodeCardNotSessionCard},
			{"malformed body", func() error {
				return sendRaw(w, api.RouteCreateSession, nil, `{"nonce":`)
			}, 400, api.CodeMalformedBody},
			{"trailing data", func() error {
				return sendRaw(w, api.RouteCreateChallenge, nil, `{"workstation_id":"a"}{}`)
			}, 400, api.CodeMalformedBody},
			{"oversized body", func() error {
				big := make([]byte, api.MaxRequestBody+1)
				rand.Read(big)
				body := `{"workstation_id":"` + base64.StdEncoding.EncodeToString(big) + `"}`
				return sendRaw(w, api.RouteCreateChallenge, nil, body)
			}, 413, api.CodeBodyTooLarge},
			{"unknown field", func() error {
				return sendRaw(w, api.RouteCreateChallenge, nil, `{"workstation_id":"a","admin":true}`)
			}, 400, api.CodeUnknownField},
			{"wrong content type", func() error {
				return sendRaw(w, api.RouteCreateChallenge, nil, `{"workstation_id":"a"}`, "Content-Type", "text/plain")
			}, 415, api.CodeUnsupportedMediaType},
			{"invalid field", func() error {
				return errOf(w.env.Client("has space").Challenge(ctx))
			}, 400, api.CodeInvalidRequest},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, tt.do(), tt.status, tt.code)
				rec := lastAudit(t, w.env.Store)
				if rec.Outcome != string(tt.code) {
					t.Fatalf("last audit record is %+v, want outcome %s", rec, tt.code)
				}
			})
		}
		verifyAudit(t, w)
	})
}
