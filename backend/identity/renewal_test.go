package identity_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
)

const day = 24 * time.Hour

// softCard is the test's model of a card being renewed: its GUID, the
// management key it holds (read from identityd here only because the
// software card must know its own key, as a real card does), its current
// 9A key and certificate, and the keys it generates.
type softCard struct {
	t       *testing.T
	w       *world
	cl      *client.Client
	card    *testenv.Card // current 9A key and certificate
	mgmt    []byte
	tk      client.Ticket // the renewal's
	ren     api.Renewal
	new9C   crypto.Signer
	new9A   crypto.Signer
	pending *x509.Certificate
}

func (w *world) softCard(t *testing.T, ws string) *softCard {
	t.Helper()
	ctx := context.Background()
	key, err := testenv.NewKey(false)
	if err != nil {
		t.Fatal(err)
	}
	card, err := w.env.EnrolCard(ctx, "555000000001", key)
	if err != nil {
		t.Fatal(err)
	}
	mgmt, err := w.env.Svc.MgmtKey(ctx, card.GUID)
	if err != nil {
		t.Fatal(err)
	}
	return &softCard{t: t, w: w, cl: w.env.Client(ws), card: card, mgmt: mgmt}
}

// session logs the card's current key in and chooses a role, so the
// session stays live however long the test's clock idles.
func (c *softCard) session() client.Ticket {
	c.t.Helper()
	ctx := context.Background()
	s, err := testenv.Login(ctx, c.cl, c.card)
	if err != nil {
		c.t.Fatalf("login: %v", err)
	}
	tk := testenv.Ticket(s)
	if s.TermsRequired {
		if _, err := c.cl.AcceptTerms(ctx, tk, s.Terms.Version); err != nil {
			c.t.Fatal(err)
		}
	}
	if _, err := c.cl.SelectRole(ctx, tk, s.Roles[0].ID); err != nil {
		c.t.Fatal(err)
	}
	return tk
}

func (c *softCard) open() error {
	ren, err := c.cl.OpenRenewal(context.Background(), c.session())
	if err == nil {
		c.ren, c.tk = ren, client.RenewalTicket(ren)
		if ren.Token == "" || ren.State != api.RenewalStateOpened || ren.ExpiresAt == nil {
			c.t.Fatalf("opened %+v", ren)
		}
	}
	return err
}

// cardAuth is the 9B relay: the card draws a challenge, identityd answers,
// the card checks the answer with its key.
func (c *softCard) cardAuth(purpose api.CardAuthPurpose) error {
	c.t.Helper()
	chal := make([]byte, 16)
	rand.Read(chal)
	resp, err := c.cl.RenewalCardAuth(context.Background(), c.tk, purpose, chal)
	if err != nil {
		return err
	}
	b, err := aes.NewCipher(c.mgmt)
	if err != nil {
		c.t.Fatal(err)
	}
	got := make([]byte, 16)
	b.Decrypt(got, resp)
	if !bytes.Equal(got, chal) {
		c.t.Fatalf("identityd's 9B response for %s does not answer the card's challenge", purpose)
	}
	return nil
}

// generate is GENERATE in slot and the record of its public key.
func (c *softCard) generate(slot string) (crypto.Signer, error) {
	c.t.Helper()
	purpose := map[string]api.CardAuthPurpose{"9c": api.PurposeGenerate9C, "9a": api.PurposeGenerate9A}[slot]
	if err := c.cardAuth(purpose); err != nil {
		return nil, err
	}
	key, err := testenv.NewKey(false)
	if err != nil {
		c.t.Fatal(err)
	}
	if slot == "9c" {
		c.new9C = key
	} else {
		c.new9A = key
	}
	return key, c.record(slot, key)
}

func (c *softCard) record(slot string, key crypto.Signer) error {
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		c.t.Fatal(err)
	}
	ren, err := c.cl.RecordRenewalKey(context.Background(), c.tk, slot, spki)
	if err != nil {
		return err
	}
	c.ren = ren
	// The renewal hands the recorded key back: an agent going on after an
	// interruption cannot read it from the card.
	got := map[string]string{}
	if ren.PublicKeys != nil {
		got = map[string]string{"9a": ren.PublicKeys.Authentication, "9c": ren.PublicKeys.Signature}
	}
	if got[slot] != base64.StdEncoding.EncodeToString(spki) {
		c.t.Errorf("renewal after recording %s: public keys %+v", slot, ren.PublicKeys)
	}
	return nil
}

func csr(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "renewal"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (c *softCard) issue() error {
	ren, err := c.cl.IssueRenewal(context.Background(), c.tk, csr(c.t, c.new9A), csr(c.t, c.new9C))
	if err != nil {
		return err
	}
	c.ren = ren
	der, err := base64.StdEncoding.DecodeString(ren.Certificates.Authentication)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.pending, err = x509.ParseCertificate(der); err != nil {
		c.t.Fatal(err)
	}
	return nil
}

// renewed is the card as it stands once the new certificates are written.
func (c *softCard) renewed() *testenv.Card {
	return &testenv.Card{GUID: c.card.GUID, Key: c.new9A, Cert: c.pending, UserID: c.card.UserID}
}

func (c *softCard) complete() error {
	ctx := context.Background()
	ch, err := c.cl.Challenge(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	p, err := testenv.Prove(c.renewed(), ch, c.cl.WorkstationID())
	if err != nil {
		c.t.Fatal(err)
	}
	ren, err := c.cl.CompleteRenewal(ctx, c.tk, p)
	if err == nil {
		c.ren = ren
	}
	return err
}

// toStep runs the protocol through step n (1 open … 7 complete; 4 is both
// 9A calls) and fails on any refusal.
func (c *softCard) toStep(n int) {
	c.t.Helper()
	steps := []func() error{
		c.open,
		func() error { return c.cardAuth(api.PurposeGenerate9C) },
		func() error { k, _ := testenv.NewKey(false); c.new9C = k; return c.record("9c", k) },
		func() error { _, err := c.generate("9a"); return err },
		c.issue,
		func() error { return c.cardAuth(api.PurposeWrite) },
		c.complete,
	}
	for i := range n {
		if err := steps[i](); err != nil {
			c.t.Fatalf("renewal step %d: %v", i+1, err)
		}
	}
}

// must is a call that must succeed.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// loginWith logs in with key signing under cert, as a card in the middle
// of a renewal might.
func (c *softCard) loginWith(key crypto.Signer, cert *x509.Certificate) (api.Session, error) {
	return testenv.Login(context.Background(), c.cl, &testenv.Card{GUID: c.card.GUID, Key: key, Cert: cert})
}

// recoveryLogin is a login proof signed by the new 9C key over the
// recovery message (api.RecoveryDigest), with the card's current certificate.
func (c *softCard) recoveryLogin() (api.Session, error) {
	ctx := context.Background()
	ch, err := c.cl.Challenge(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	p, err := testenv.Prove(c.card, ch, c.cl.WorkstationID())
	if err != nil {
		c.t.Fatal(err)
	}
	nonce, _ := base64.RawURLEncoding.DecodeString(ch.Nonce)
	sig, err := c.new9C.Sign(rand.Reader, api.RecoveryDigest(nonce, c.cl.WorkstationID(), c.card.GUID), crypto.SHA256)
	if err != nil {
		c.t.Fatal(err)
	}
	p.Signature = base64.StdEncoding.EncodeToString(sig)
	return c.cl.Login(ctx, p)
}

// incomplete checks err is renewal_incomplete about c's renewal in state,
// with a token if withToken, and takes the token.
func (c *softCard) incomplete(err error, state api.RenewalState, withToken bool) {
	c.t.Helper()
	wantCode(c.t, err, http.StatusConflict, api.CodeRenewalIncomplete)
	ae := err.(*client.APIError)
	if ae.Renewal == nil || ae.Renewal.ID != c.ren.ID || ae.Renewal.State != state || (ae.Renewal.Token != "") != withToken {
		c.t.Fatalf("renewal_incomplete carries %+v, want %s in %s (token %v)", ae.Renewal, c.ren.ID, state, withToken)
	}
	if withToken {
		c.tk = client.RenewalTicket(*ae.Renewal)
	}
}

func wantRefusal(t *testing.T, err error, reason api.RenewalRefusal) {
	t.Helper()
	wantCode(t, err, http.StatusForbidden, api.CodeRenewalRefused)
	if ae := err.(*client.APIError); ae.RenewalRefusal != reason {
		t.Fatalf("renewal_refused for %q, want %q", ae.RenewalRefusal, reason)
	}
}

func auditRecords(t *testing.T, s store.Store) []audit.Record {
	t.Helper()
	ctx := context.Background()
	var recs []audit.Record
	must(t, s.View(ctx, func(r store.Reader) error {
		h, err := r.AuditHead(ctx)
		if err != nil {
			return err
		}
		recs, err = r.AuditRecords(ctx, 0, int(h.Seq))
		return err
	}))
	return recs
}

// TestRenewal runs renewals through identityd on both stores: the whole
// protocol with software keys, the policy, the card's state, the one open
// renewal per card, expiry, the checks on keys and CSRs, and every
// interruption point of docs/renewal.md's recovery table on the server side.
func TestRenewal(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := start(t, db, nil)
		ctx := context.Background()
		const ws = "ward-7-pc-3"
		names := []string{"full", "one", "expiry", "locked", "cancelled", "csr", "r2", "r3", "r4", "r4b", "r5", "r6", "r7", "expired"}
		cards := map[string]*softCard{}
		for _, n := range names {
			cards[n] = w.softCard(t, ws)
		}
		use := func(t *testing.T, name string) *softCard { c := cards[name]; c.t = t; return c }

		t.Run("outside the window", func(t *testing.T) {
			wantRefusal(t, use(t, "full").open(), api.RenewalOutsideWindow)
		})
		w.clock.Advance(700 * day) // 30 days left for every card

		t.Run("full renewal", func(t *testing.T) {
			c := use(t, "full")
			old := c.card
			c.toStep(7)
			if c.ren.State != api.RenewalStateCompleted || c.ren.Certificates == nil {
				t.Fatalf("completed renewal %+v", c.ren)
			}
			wantCode(t, errOf(testenv.Login(ctx, c.cl, old)), http.StatusUnauthorized, api.CodeCertificateSuperseded)
			s, err := testenv.Login(ctx, c.cl, c.renewed())
			if err != nil {
				t.Fatalf("login with the new certificate: %v", err)
			}
			if s.Certificate.Serial != fmtSerial(c.pending) || s.Certificate.DaysLeft < 700 || s.Renewal != nil {
				t.Fatalf("after renewal the session shows %+v, renewal %+v", s.Certificate, s.Renewal)
			}
			// The renewal is closed: read it, but nothing more.
			if got, err := c.cl.Renewal(ctx, c.tk); err != nil || got.State != api.RenewalStateCompleted {
				t.Fatalf("GET completed renewal = %+v, %v", got, err)
			}
			wantCode(t, c.cardAuth(api.PurposeWrite), http.StatusConflict, api.CodeRenewalNotOpen)
			// Every step is audited with the renewal's id.
			actions := map[string]int{}
			for _, r := range auditRecords(t, w.env.Store) {
				if strings.Contains(r.Detail, "renewal "+c.ren.ID) {
					actions[r.Action]++
					if r.CardGUID != api.FormatCardGUID(c.card.GUID) {
						t.Errorf("audit record %d (%s) names card %q", r.Seq, r.Action, r.CardGUID)
					}
				}
			}
			for a, n := range map[string]int{"renewal.open": 1, "renewal.card_auth": 4, "renewal.record_key": 2,
				"renewal.issue": 1, "renewal.complete": 1, "renewal.get": 1} {
				if actions[a] != n {
					t.Errorf("%d %s audit records with the renewal id, want %d (all: %v)", actions[a], a, n, actions)
				}
			}
			c.card = c.renewed()
		})

		t.Run("one open renewal per card", func(t *testing.T) {
			c := use(t, "one")
			c.toStep(1)
			first := c.tk
			again, err := c.cl.OpenRenewal(ctx, c.session())
			if err != nil || again.ID != first.ID || again.Token == "" || again.Token == first.Token {
				t.Fatalf("opening again = %+v, %v; want renewal %s with a new token", again, err, first.ID)
			}
			wantCode(t, errOf(c.cl.Renewal(ctx, first)), http.StatusUnauthorized, api.CodeUnauthenticated)
			wantCode(t, errOf(w.env.Client("other-pc").Renewal(ctx, client.RenewalTicket(again))), http.StatusUnauthorized, api.CodeWorkstationMismatch)
			c.tk = client.RenewalTicket(again)
			wantCode(t, c.cardAuth(api.PurposeWrite), http.StatusConflict, api.CodeRenewalWrongState)
			wantCode(t, c.record("9c", use(t, "one").card.Key), http.StatusConflict, api.CodeRenewalWrongState)
			// Login still works and says the renewal is open.
			s, err := testenv.Login(ctx, c.cl, c.card)
			if err != nil || s.Renewal == nil || s.Renewal.ID != first.ID || s.Renewal.Token != "" {
				t.Fatalf("login during the renewal = %+v, %v", s.Renewal, err)
			}
		})

		t.Run("untouched renewal expires", func(t *testing.T) {
			c := use(t, "expiry")
			c.toStep(1)
			first := c.ren.ID
			w.clock.Advance(16 * time.Minute)
			if got, err := c.cl.Renewal(ctx, c.tk); err != nil || got.State != api.RenewalStateExpired {
				t.Fatalf("GET untouched renewal = %+v, %v", got, err)
			}
			wantCode(t, c.cardAuth(api.PurposeGenerate9C), http.StatusConflict, api.CodeRenewalExpired)
			c.toStep(1)
			if c.ren.ID == first {
				t.Fatal("opening after expiry returned the expired renewal")
			}
			// Once card-auth answered, it never expires.
			must(t, c.cardAuth(api.PurposeGenerate9C))
			w.clock.Advance(time.Hour)
			must(t, c.cardAuth(api.PurposeGenerate9C))
		})

		t.Run("locked and cancelled cards", func(t *testing.T) {
			for name, code := range map[string]api.ErrorCode{"locked": api.CodeCardLocked, "cancelled": api.CodeCardCancelled} {
				c := use(t, name)
				lock := w.env.Svc.LockCard
				if name == "cancelled" {
					lock = w.env.Svc.CancelCard
				}
				// Refused mid-renewal …
				c.toStep(2)
				tk := c.session()
				must(t, lock(ctx, "test", c.card.GUID, "test"))
				wantCode(t, c.cardAuth(api.PurposeGenerate9C), http.StatusForbidden, code)
				// … and at open, whatever became of the session.
				wantCode(t, errOf(c.cl.OpenRenewal(ctx, tk)), http.StatusForbidden, code)
			}
		})

		t.Run("CSR checks", func(t *testing.T) {
			c := use(t, "csr")
			c.toStep(4)
			other, _ := testenv.NewKey(false)
			wantCode(t, errOf(c.cl.IssueRenewal(ctx, c.tk, csr(t, other), csr(t, c.new9C))), http.StatusConflict, api.CodeRenewalKeyMismatch)
			bad := csr(t, c.new9A)
			bad[len(bad)-3] ^= 1 // the CSR's signature no longer verifies
			wantCode(t, errOf(c.cl.IssueRenewal(ctx, c.tk, bad, csr(t, c.new9C))), http.StatusBadRequest, api.CodeInvalidRequest)
			wantCode(t, c.record("9a", other), http.StatusConflict, api.CodeRenewalKeyMismatch)
			must(t, c.record("9a", c.new9A)) // the same key again
			must(t, c.issue())
			first := c.ren.Certificates
			must(t, c.issue()) // idempotent
			if *c.ren.Certificates != *first {
				t.Fatal("issuing again for the same keys gave other certificates")
			}
		})

		t.Run("recovery", func(t *testing.T) {
			// 2 and 3: 9A is untouched, login works; the agent goes on.
			for name, step := range map[string]int{"r2": 2, "r3": 3} {
				c := use(t, name)
				c.toStep(step)
				s, err := testenv.Login(ctx, c.cl, c.card)
				if err != nil || s.Renewal == nil || s.Renewal.ID != c.ren.ID {
					t.Fatalf("%s: login = %+v, %v", name, s.Renewal, err)
				}
				again, err := c.cl.OpenRenewal(ctx, c.session())
				if err != nil || again.ID != c.ren.ID {
					t.Fatalf("%s: reopen = %+v, %v", name, again, err)
				}
				c.tk = client.RenewalTicket(again)
				if step == 2 {
					must(t, c.cardAuth(api.PurposeGenerate9C)) // GENERATE 9C again
					k, _ := testenv.NewKey(false)
					c.new9C = k
					must(t, c.record("9c", k))
				}
				if _, err := c.generate("9a"); err != nil {
					t.Fatal(err)
				}
				must(t, c.issue())
				must(t, c.cardAuth(api.PurposeWrite))
				must(t, c.complete())
			}

			// 4 before the record: a new 9A key nobody knows. Login fails its
			// signature: renewal_incomplete without a token, then with one
			// once the new 9C key signs the recovery message.
			c := use(t, "r4")
			c.toStep(3)
			must(t, c.cardAuth(api.PurposeGenerate9A))
			lost, _ := testenv.NewKey(false) // its public half never reached identityd
			c.incomplete(errOf(c.loginWith(lost, c.card.Cert)), api.RenewalStateGenerating9A, false)
			c.incomplete(errOf(c.recoveryLogin()), api.RenewalStateGenerating9A, true)
			if _, err := c.generate("9a"); err != nil {
				t.Fatalf("generating 9A again with the recovered token: %v", err)
			}
			must(t, c.issue())
			must(t, c.cardAuth(api.PurposeWrite))
			must(t, c.complete())

			// 4 after the record, 5 and 6: login's signature verifies under
			// the recorded key → renewal_incomplete with a fresh token.
			states := map[int]api.RenewalState{4: api.RenewalStateRecorded9A, 5: api.RenewalStateIssued, 6: api.RenewalStateWriting}
			for name, step := range map[string]int{"r4b": 4, "r5": 5, "r6": 6} {
				c := use(t, name)
				c.toStep(step)
				old := c.tk
				c.incomplete(errOf(c.loginWith(c.new9A, c.card.Cert)), states[step], true)
				if old.Token == c.tk.Token {
					t.Fatalf("%s: the recovery token is the old one", name)
				}
				wantCode(t, errOf(c.cl.Renewal(ctx, old)), http.StatusUnauthorized, api.CodeUnauthenticated)
				// A signature under neither key is just refused.
				wantCode(t, errOf(c.loginWith(lost, c.card.Cert)), http.StatusUnauthorized, api.CodeSignatureInvalid)
				switch step {
				case 4:
					must(t, c.issue())
					fallthrough
				case 5:
					before := c.ren.Certificates
					must(t, c.issue()) // step 5 returns the same certificates
					if before != nil && *before != *c.ren.Certificates {
						t.Fatalf("%s: issue again gave other certificates", name)
					}
					fallthrough
				case 6:
					must(t, c.cardAuth(api.PurposeWrite)) // write both again
				}
				must(t, c.complete())
				if _, err := testenv.Login(ctx, c.cl, c.renewed()); err != nil {
					t.Fatalf("%s: login after recovery: %v", name, err)
				}
			}

			// 7 before identityd committed: the card presents its pending
			// certificate, and the login completes the renewal.
			c = use(t, "r7")
			c.toStep(6)
			s, err := testenv.Login(ctx, c.cl, c.renewed())
			if err != nil || s.Certificate.Serial != fmtSerial(c.pending) || s.Renewal != nil {
				t.Fatalf("login with the pending certificate = %+v, %v", s, err)
			}
			if got, err := c.cl.Renewal(ctx, c.tk); err != nil || got.State != api.RenewalStateCompleted {
				t.Fatalf("renewal after the completing login = %+v, %v", got, err)
			}
			wantCode(t, errOf(testenv.Login(ctx, c.cl, c.card)), http.StatusUnauthorized, api.CodeCertificateSuperseded)
			if rec := findAudit(t, w, "renewal.complete", c.ren.ID); !strings.Contains(rec.Detail, "at login") {
				t.Fatalf("completion at login audited as %+v", rec)
			}
			// A pending certificate of a renewal not yet written does not log in.
			c = use(t, "csr")
			wantCode(t, errOf(testenv.Login(ctx, c.cl, c.renewed())), http.StatusUnauthorized, api.CodeCertificateMismatch)
		})

		t.Run("expired certificates", func(t *testing.T) {
			c := use(t, "expired")
			w.clock.Advance(30*day - 2*time.Hour - 17*time.Minute) // an hour before expiry
			tk := c.session()
			w.clock.Advance(2 * time.Hour)
			wantRefusal(t, errOf(c.cl.OpenRenewal(ctx, tk)), api.RenewalExpired)
		})

		t.Run("every third renewal by an RA", func(t *testing.T) {
			c := use(t, "full") // renewed once, at day 700
			w.clock.Advance(660 * day)
			c.toStep(7)
			c.card = c.renewed()
			w.clock.Advance(700 * day)
			wantRefusal(t, c.open(), api.RenewalRADue)
		})
		verifyAudit(t, w)
	})
}

func fmtSerial(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

// findAudit is the newest audit record of action whose detail names renewal id.
func findAudit(t *testing.T, w *world, action, id string) audit.Record {
	t.Helper()
	recs := auditRecords(t, w.env.Store)
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Action == action && strings.Contains(recs[i].Detail, "renewal "+id) {
			return recs[i]
		}
	}
	t.Fatalf("no %s audit record for renewal %s", action, id)
	return audit.Record{}
}
