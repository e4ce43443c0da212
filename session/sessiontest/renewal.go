package sessiontest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/piv"
)

// MgmtKey is the AES-128 management key every enrolled test card holds;
// the fake backend answers the cards' 9B challenges with it, as identityd
// does with each card's diversified key.
var MgmtKey = bytes.Repeat([]byte{0x42}, 16)

// renewalValidity is how long the fake's renewed certificates last.
const renewalValidity = 2 * 365 * 24 * time.Hour

// fakeRenewal is the fake's one renewal per card, as identityd keeps it.
type fakeRenewal struct {
	api.Renewal
	user       api.User
	keys       map[string][]byte // slot → DER SPKI
	auth, sign []byte            // the pending certificates
}

// OpenRenewal opens (or hands out again) the renewal of the session's card.
func (b *Backend) OpenRenewal(ctx context.Context, t client.Ticket) (api.Renewal, error) {
	b.record("renew-open")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailRenewal != nil {
		return api.Renewal{}, b.FailRenewal
	}
	s, ok := b.sessions[t.ID]
	if !ok || s.Token != t.Token || s.State != api.SessionActive {
		return api.Renewal{}, &client.APIError{Status: 401, Code: api.CodeUnauthenticated}
	}
	if r, ok := b.renewals[s.CardGUID]; ok && r.State.Open() {
		return r.Renewal, nil
	}
	b.n++
	r := &fakeRenewal{Renewal: api.Renewal{ID: fmt.Sprintf("rn%d", b.n), Token: fmt.Sprintf("rtoken-%d", b.n),
		State: api.RenewalStateOpened, CardGUID: s.CardGUID}, user: s.User, keys: map[string][]byte{}}
	b.renewals[s.CardGUID] = r
	return r.Renewal, nil
}

// renewal finds the renewal of ticket t; the fake's lock is held.
func (b *Backend) renewal(t client.Ticket) (*fakeRenewal, error) {
	for _, r := range b.renewals {
		if r.ID == t.ID && r.Token == t.Token {
			return r, nil
		}
	}
	return nil, &client.APIError{Status: 401, Code: api.CodeUnauthenticated}
}

func (b *Backend) RenewalCardAuth(ctx context.Context, t client.Ticket, purpose api.CardAuthPurpose, challenge []byte) ([]byte, error) {
	b.record("renew-card-auth:" + string(purpose))
	b.mu.Lock()
	defer b.mu.Unlock()
	r, err := b.renewal(t)
	if err != nil {
		return nil, err
	}
	next := map[api.CardAuthPurpose]api.RenewalState{api.PurposeGenerate9C: api.RenewalStateGenerating9C,
		api.PurposeGenerate9A: api.RenewalStateGenerating9A, api.PurposeWrite: api.RenewalStateWriting}[purpose]
	r.State = next
	return piv.MgmtResponse(piv.AlgAES128, MgmtKey, challenge)
}

func (b *Backend) RecordRenewalKey(ctx context.Context, t client.Ticket, slot string, spki []byte) (api.Renewal, error) {
	b.record("renew-key:" + slot)
	b.mu.Lock()
	defer b.mu.Unlock()
	r, err := b.renewal(t)
	if err != nil {
		return api.Renewal{}, err
	}
	r.keys[slot] = bytes.Clone(spki)
	r.State = map[string]api.RenewalState{"9c": api.RenewalStateRecorded9C, "9a": api.RenewalStateRecorded9A}[slot]
	r.PublicKeys = &api.RenewalPublicKeys{Authentication: b64(r.keys["9a"]), Signature: b64(r.keys["9c"])}
	return r.Renewal, nil
}

// IssueRenewal checks each CSR's key is the recorded one and issues; it
// waits for RenewalGate first (a test holds the renewal mid-way with it).
func (b *Backend) IssueRenewal(ctx context.Context, t client.Ticket, authCSR, signCSR []byte) (api.Renewal, error) {
	b.record("renew-issue")
	b.mu.Lock()
	gate := b.RenewalGate
	b.mu.Unlock()
	if err := gate.Wait(ctx); err != nil {
		return api.Renewal{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailIssue != nil {
		return api.Renewal{}, b.FailIssue
	}
	r, err := b.renewal(t)
	if err != nil {
		return api.Renewal{}, err
	}
	now := time.Now()
	if b.Clock != nil {
		now = b.Clock()
	}
	for _, c := range []struct {
		slot string
		der  []byte
		out  *[]byte
	}{{"9a", authCSR, &r.auth}, {"9c", signCSR, &r.sign}} {
		req, err := x509.ParseCertificateRequest(c.der)
		if err != nil || req.CheckSignature() != nil {
			return api.Renewal{}, &client.APIError{Status: 400, Code: api.CodeInvalidRequest}
		}
		spki, _ := x509.MarshalPKIXPublicKey(req.PublicKey)
		if !bytes.Equal(spki, r.keys[c.slot]) {
			return api.Renewal{}, &client.APIError{Status: 409, Code: api.CodeRenewalKeyMismatch}
		}
		ca, caKey := CA()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()),
			Subject:   pkix.Name{CommonName: r.user.Name, SerialNumber: r.user.ID},
			NotBefore: now.Add(-time.Minute), NotAfter: now.Add(renewalValidity)}
		if *c.out, err = x509.CreateCertificate(rand.Reader, tmpl, ca, req.PublicKey, caKey); err != nil {
			return api.Renewal{}, err
		}
	}
	r.State = api.RenewalStateIssued
	r.Certificates = &api.RenewalCertificates{Authentication: b64(r.auth), Signature: b64(r.sign)}
	return r.Renewal, nil
}

// CompleteRenewal takes a login proof under the pending 9A certificate.
func (b *Backend) CompleteRenewal(ctx context.Context, t client.Ticket, p api.CardProof) (api.Renewal, error) {
	b.record("renew-complete")
	if err := b.check(p); err != nil {
		return api.Renewal{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r, err := b.renewal(t)
	if err != nil {
		return api.Renewal{}, err
	}
	if der, _ := p.CertificateDER(); !bytes.Equal(der, r.auth) {
		return api.Renewal{}, &client.APIError{Status: 401, Code: api.CodeCertificateMismatch}
	}
	r.State = api.RenewalStateCompleted
	return r.Renewal, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// unfinished is what identityd answers a login whose signature failed: if
// the card has an open renewal whose recorded 9A key made the signature,
// renewal_incomplete with the renewal and a fresh token.
func (b *Backend) unfinished(p api.CardProof, err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.renewals[p.CardGUID]
	if !ok || !r.State.Open() || r.keys["9a"] == nil {
		return err
	}
	pub, perr := x509.ParsePKIXPublicKey(r.keys["9a"])
	nonce, _ := p.NonceBytes()
	guid, _ := p.GUID()
	sig, _ := p.SignatureBytes()
	key, isEC := pub.(*ecdsa.PublicKey)
	if perr != nil || !isEC || !ecdsa.VerifyASN1(key, api.LoginDigest(nonce, p.WorkstationID, guid), sig) {
		return err
	}
	b.n++
	r.Token = fmt.Sprintf("rtoken-%d", b.n)
	view := r.Renewal
	return &client.APIError{Status: 409, Code: api.CodeRenewalIncomplete, Renewal: &view}
}
