// Package renewal is the card work of a certificate renewal
// (docs/renewal.md): from wherever an open renewal stands, it generates the
// new keys on the card, has identityd record and certify them, writes the
// certificates and proves the new login key, in one exclusive card
// transaction. The session decides when to renew and shows the progress;
// this package only talks to the card and to identityd.
package renewal

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
)

// Backend is what the card work needs of identityd; *client.Client
// implements it.
type Backend interface {
	WorkstationID() string
	Challenge(ctx context.Context) (api.Challenge, error)
	RenewalCardAuth(ctx context.Context, t client.Ticket, purpose api.CardAuthPurpose, challenge []byte) ([]byte, error)
	RecordRenewalKey(ctx context.Context, t client.Ticket, slot string, spki []byte) (api.Renewal, error)
	IssueRenewal(ctx context.Context, t client.Ticket, authCSR, signCSR []byte) (api.Renewal, error)
	CompleteRenewal(ctx context.Context, t client.Ticket, proof api.CardProof) (api.Renewal, error)
}

var _ Backend = (*client.Client)(nil)

// Card is an open card: one exclusive transaction per Do (reader.Card).
type Card interface {
	Do(ctx context.Context, fn func(apdu.Transmitter) error) error
	ATR() []byte
}

// Step is where the card work stands, for the progress the user sees.
type Step int

const (
	Preparing  Step = iota + 1 // passcode checked on the card
	Generating                 // new key pairs generated on the card
	Requesting                 // certificates asked for
	Writing                    // certificates written to the card
	Checking                   // the new login key proven to identityd
)

// ErrKeyAlgorithm is identityd asking for key pairs the agent cannot have
// the card make; the card is not touched.
var ErrKeyAlgorithm = errors.New("renewal: identityd asks for a key algorithm this agent does not know")

// keyAlgorithm is the card's algorithm for the renewal's policy (ECC P-256
// when identityd names none).
func keyAlgorithm(a api.KeyAlgorithm) (piv.Algorithm, error) {
	switch a {
	case "", api.KeyECCP256:
		return piv.AlgECCP256, nil
	case api.KeyRSA2048:
		return piv.AlgRSA2048, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrKeyAlgorithm, a)
}

// Options are the knobs of Run; zero values are the defaults.
type Options struct {
	// KeyAlgorithm of the new key pairs; by default the renewal's, as
	// identityd's policy says.
	KeyAlgorithm piv.Algorithm
	// CallTimeout bounds each call to identityd (default 15 s).
	CallTimeout time.Duration
	// Progress, when set, hears each step as it starts.
	Progress func(Step)
	// Trace is the card's APDU trace option (passcodes never appear).
	Trace piv.Option
}

// Run carries the open renewal r (with its token) on to completed, on the
// card whose GUID is guid. passcode is verified first, before anything on
// the card changes (a wrong one costs a try and changes nothing), and is
// wiped whatever happens; the card forgets it before the transaction ends.
// It returns the completed renewal, with the new certificates.
//
// An error leaves the renewal where it stood at identityd; Run called again
// on the renewal as identityd then reports it goes on from there.
func Run(ctx context.Context, card Card, guid [16]byte, b Backend, r api.Renewal, passcode []byte, o Options) (api.Renewal, error) {
	second := slices.Clone(passcode) // 9C wants a VERIFY right before its signature
	defer clear(second)
	defer clear(passcode)
	if o.KeyAlgorithm == 0 {
		alg, err := keyAlgorithm(r.KeyAlgorithm)
		if err != nil {
			return r, err
		}
		o.KeyAlgorithm = alg
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	if o.Progress == nil {
		o.Progress = func(Step) {}
	}
	w := &work{ctx: ctx, b: b, o: o, guid: guid, ticket: client.RenewalTicket(r), r: r}
	err := card.Do(ctx, func(tx apdu.Transmitter) error {
		w.p = piv.New(tx, withTrace(card, o)...)
		if err := w.p.Select(); err != nil {
			return err
		}
		defer w.p.DropPIN() // before the transaction ends, whatever happens next
		if err := w.p.Verify(passcode); err != nil {
			return err
		}
		o.Progress(Preparing)
		return w.run(second)
	})
	return w.r, err
}

// work is one Run's state inside the card transaction.
type work struct {
	ctx    context.Context
	b      Backend
	o      Options
	p      *piv.Card
	guid   [16]byte
	ticket client.Ticket
	r      api.Renewal // as identityd last reported it
}

// ErrUnexpectedState means identityd reports a state Run cannot go on from
// (expired, or one it does not know).
var ErrUnexpectedState = errors.New("renewal: identityd reports a state the card work cannot go on from")

// run steps through the renewal's states until it is completed.
func (w *work) run(passcode []byte) error {
	generating := false
	for {
		switch w.r.State {
		case api.RenewalStateOpened, api.RenewalStateGenerating9C:
			if !generating {
				w.o.Progress(Generating)
				generating = true
			}
			if err := w.generate(piv.SlotSignature, api.PurposeGenerate9C, "9c"); err != nil {
				return err
			}
		case api.RenewalStateRecorded9C, api.RenewalStateGenerating9A:
			if !generating {
				w.o.Progress(Generating)
				generating = true
			}
			if err := w.generate(piv.SlotAuthentication, api.PurposeGenerate9A, "9a"); err != nil {
				return err
			}
		case api.RenewalStateRecorded9A:
			w.o.Progress(Requesting)
			if err := w.request(passcode); err != nil {
				return err
			}
		case api.RenewalStateIssued, api.RenewalStateWriting:
			w.o.Progress(Writing)
			auth, err := w.write()
			if err != nil {
				return err
			}
			w.o.Progress(Checking)
			if err := w.complete(auth); err != nil {
				return err
			}
		case api.RenewalStateCompleted:
			return nil
		default:
			return fmt.Errorf("%w: %q", ErrUnexpectedState, w.r.State)
		}
	}
}

// call runs one identityd call bounded by the call timeout.
func call[T any](w *work, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(w.ctx, w.o.CallTimeout)
	defer cancel()
	return fn(ctx)
}

// mgmtAuth relays a management-key (9B) authentication through identityd,
// which holds the card's key.
func (w *work) mgmtAuth(purpose api.CardAuthPurpose) error {
	ch, err := w.p.BeginMgmtAuth(piv.AlgAES128)
	if err != nil {
		return err
	}
	resp, err := call(w, func(ctx context.Context) ([]byte, error) {
		return w.b.RenewalCardAuth(ctx, w.ticket, purpose, ch.Challenge)
	})
	if err != nil {
		return err
	}
	defer clear(resp)
	w.p.EndWithReset() // the management key ends up authenticated: nobody else may inherit it
	return w.p.FinishMgmtAuth(ch, resp)
}

// generate makes the card generate a key pair in slot and has identityd
// record its public key before anything else reaches the card.
func (w *work) generate(slot piv.Slot, purpose api.CardAuthPurpose, name string) error {
	if err := w.mgmtAuth(purpose); err != nil {
		return err
	}
	pub, err := w.p.GenerateKey(slot, w.o.KeyAlgorithm)
	if err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("renewal: the card's new %s key: %w", name, err)
	}
	w.r, err = call(w, func(ctx context.Context) (api.Renewal, error) {
		return w.b.RecordRenewalKey(ctx, w.ticket, name, spki)
	})
	return err
}

// request has the new keys sign their CSRs and identityd issue them.
func (w *work) request(passcode []byte) error {
	authPub, signPub, err := publicKeys(w.r)
	if err != nil {
		return err
	}
	authCSR, err := w.csr(piv.SlotAuthentication, authPub)
	if err != nil {
		return err
	}
	if err := w.p.Verify(passcode); err != nil { // 9C: PIN always
		return err
	}
	signCSR, err := w.csr(piv.SlotSignature, signPub)
	if err != nil {
		return err
	}
	w.r, err = call(w, func(ctx context.Context) (api.Renewal, error) {
		return w.b.IssueRenewal(ctx, w.ticket, authCSR, signCSR)
	})
	return err
}

func (w *work) csr(slot piv.Slot, pub crypto.PublicKey) ([]byte, error) {
	signer, err := w.p.Signer(slot, pub)
	if err != nil {
		return nil, err
	}
	// identityd writes the certificate's subject itself: the request
	// only proves the card holds the key.
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "cardagent renewal"}}, signer)
	if err != nil {
		return nil, fmt.Errorf("renewal: signing the %s certificate request on the card: %w", slot, err)
	}
	return der, nil
}

// write puts both new certificates on the card (PUT DATA is idempotent, so
// a renewal interrupted here writes both again). It returns the new 9A
// certificate.
func (w *work) write() (*x509.Certificate, error) {
	if w.r.Certificates == nil {
		return nil, fmt.Errorf("%w: %q without certificates", ErrUnexpectedState, w.r.State)
	}
	auth, err := parseCert(w.r.Certificates.Authentication)
	if err != nil {
		return nil, err
	}
	sign, err := parseCert(w.r.Certificates.Signature)
	if err != nil {
		return nil, err
	}
	if err := w.mgmtAuth(api.PurposeWrite); err != nil {
		return nil, err
	}
	if err := w.p.PutCertificate(piv.SlotSignature, sign); err != nil {
		return nil, err
	}
	if err := w.p.PutCertificate(piv.SlotAuthentication, auth); err != nil {
		return nil, err
	}
	return auth, nil
}

// complete proves the new 9A key: a fresh login challenge signed under the
// new certificate.
func (w *work) complete(auth *x509.Certificate) error {
	chal, err := call(w, w.b.Challenge)
	if err != nil {
		return err
	}
	nonce, err := base64.RawURLEncoding.DecodeString(chal.Nonce)
	if err != nil {
		return fmt.Errorf("renewal: identityd's challenge: %w", err)
	}
	signer, err := w.p.Signer(piv.SlotAuthentication, auth.PublicKey)
	if err != nil {
		return err
	}
	sig, err := signer.Sign(rand.Reader, api.LoginDigest(nonce, w.b.WorkstationID(), w.guid[:]), crypto.SHA256)
	if err != nil {
		return fmt.Errorf("renewal: signing with the new login key: %w", err)
	}
	proof := api.CardProof{
		Nonce:         chal.Nonce,
		WorkstationID: w.b.WorkstationID(),
		CardGUID:      api.FormatCardGUID(w.guid[:]),
		Certificate:   base64.StdEncoding.EncodeToString(auth.Raw),
		Signature:     base64.StdEncoding.EncodeToString(sig),
	}
	w.r, err = call(w, func(ctx context.Context) (api.Renewal, error) {
		return w.b.CompleteRenewal(ctx, w.ticket, proof)
	})
	return err
}

// publicKeys are the new keys identityd recorded (PIV cannot read them
// back from the card).
func publicKeys(r api.Renewal) (auth, sign crypto.PublicKey, err error) {
	if r.PublicKeys == nil {
		return nil, nil, fmt.Errorf("%w: %q without recorded keys", ErrUnexpectedState, r.State)
	}
	if auth, err = parseKey(r.PublicKeys.Authentication); err != nil {
		return nil, nil, err
	}
	sign, err = parseKey(r.PublicKeys.Signature)
	return auth, sign, err
}

func parseKey(b64 string) (crypto.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("renewal: a recorded key is not base64: %w", err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("renewal: a recorded key: %w", err)
	}
	return pub, nil
}

func parseCert(b64 string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("renewal: an issued certificate is not base64: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("renewal: an issued certificate: %w", err)
	}
	return c, nil
}
