package loadtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/client"
)

// RequestsPerRenewal is how many HTTP requests one renewal takes over the
// API (docs/renewal.md): open, card-auth ×3, record ×2, certificates, a
// challenge and complete.
const RequestsPerRenewal = 9

// RenewalCard is a software card being renewed over the API: the card's
// own management key (a real card holds it; the load test reads it from
// identityd only to play the card's part of the 9B relay), its current 9A
// key and certificate, and the session it renews from.
type RenewalCard struct {
	Card    *testenv.Card
	Mgmt    []byte
	session client.Ticket
}

// APIStorm is a renewal storm through the real renewal API over HTTPS:
// each worker is a workstation with the agent's client and drives whole
// renewals of its own cards. A card logs in once (counted apart) and
// renews from that session again and again: the session stays active
// after a renewal completes and OpenRenewal takes any active session of
// the card.
type APIStorm struct {
	Clients  *testenv.Clients
	Cards    []*RenewalCard
	CSRs     []RenewalKeys // the new keys the cards "generate" (a pool)
	N        int64
	Workers  int
	Duration time.Duration
}

// RenewalKeys is one renewal's new key pair for 9A and 9C with the CSRs
// they signed (key generation and CSR signing are the card's work, so the
// storm reuses a pool).
type RenewalKeys struct {
	Auth, Sign       *ecdsa.PrivateKey
	AuthSPKI, SignSP []byte
	CSRs             CSRPair
}

// NewRenewalKeys makes n RenewalKeys.
func NewRenewalKeys(n int) ([]RenewalKeys, error) {
	pairs, keys, err := newCSRPairs(n)
	if err != nil {
		return nil, err
	}
	out := make([]RenewalKeys, n)
	for i := range out {
		k := RenewalKeys{Auth: keys[2*i], Sign: keys[2*i+1], CSRs: pairs[i]}
		if k.AuthSPKI, err = x509.MarshalPKIXPublicKey(k.Auth.Public()); err != nil {
			return nil, err
		}
		if k.SignSP, err = x509.MarshalPKIXPublicKey(k.Sign.Public()); err != nil {
			return nil, err
		}
		out[i] = k
	}
	return out, nil
}

// APIStormResult is what an APIStorm measured.
type APIStormResult struct {
	Renewals int64
	Elapsed  time.Duration
	P50, P99 time.Duration // one renewal, open to completed
}

// Rate is renewals per wall-clock second.
func (r APIStormResult) Rate() float64 { return float64(r.Renewals) / r.Elapsed.Seconds() }

// Do runs the storm, after LoginAll, until N renewals are done or the
// duration is spent. The first failure stops every worker.
func (s APIStorm) Do(ctx context.Context) (APIStormResult, error) {
	ctx, cancel := context.WithTimeout(ctx, s.Duration)
	defer cancel()
	next := new(atomic.Int64)
	lats, errs := make([][]time.Duration, s.Workers), make([]error, s.Workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range s.Workers {
		wg.Go(func() { lats[w], errs[w] = s.work(ctx, cancel, w, next) })
	}
	wg.Wait()
	res := APIStormResult{Elapsed: time.Since(start)}
	all := slices.Concat(lats...)
	res.Renewals = int64(len(all))
	res.P50, res.P99 = percentiles(all)
	return res, errors.Join(errs...)
}

// work is worker w's part of Do: the next renewal while there is one, each
// on the next of its own cards; it returns each renewal's time.
func (s APIStorm) work(ctx context.Context, cancel func(), w int, next *atomic.Int64) ([]time.Duration, error) {
	var lat []time.Duration
	mine := s.own(w)
	for j := 0; len(mine) > 0; j++ {
		i := next.Add(1) - 1
		if i >= s.N || ctx.Err() != nil {
			return lat, nil
		}
		t0 := time.Now()
		if err := s.renew(ctx, s.client(w), mine[j%len(mine)], s.CSRs[i%int64(len(s.CSRs))]); err != nil {
			if ctx.Err() != nil {
				return lat, nil // cut off by the deadline or another worker's failure
			}
			cancel()
			return lat, fmt.Errorf("renewal %d: %w", i, err)
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// own is worker w's cards: w, w+Workers, …
func (s APIStorm) own(w int) []*RenewalCard {
	var mine []*RenewalCard
	for i := w; i < len(s.Cards); i += s.Workers {
		mine = append(mine, s.Cards[i])
	}
	return mine
}

// client is worker w's: a workstation of its own.
func (s APIStorm) client(w int) *client.Client {
	return s.Clients.For(fmt.Sprintf("bench-renewal-ws-%d", w))
}

// LoginAll logs every card in from the workstation that will renew it,
// the workers in parallel: the sessions the storm renews from.
func (s APIStorm) LoginAll(ctx context.Context) (Result, error) {
	var n atomic.Int64
	errc := make(chan error, s.Workers)
	start := time.Now()
	for w := range s.Workers {
		go func() {
			cl := s.client(w)
			for _, c := range s.own(w) {
				sess, err := testenv.Login(ctx, cl, c.Card)
				if err != nil {
					errc <- fmt.Errorf("login: %w", err)
					return
				}
				c.session = testenv.Ticket(sess)
				n.Add(1)
			}
			errc <- nil
		}()
	}
	var first error
	for range s.Workers {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return Result{Ops: n.Load(), Elapsed: time.Since(start)}, first
}

// renew drives one whole renewal of c over the API, playing the card.
func (s APIStorm) renew(ctx context.Context, cl *client.Client, c *RenewalCard, k RenewalKeys) error {
	r, err := cl.OpenRenewal(ctx, c.session)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	tk := client.RenewalTicket(r)
	for _, step := range []struct {
		purpose api.CardAuthPurpose
		slot    string
		spki    []byte
	}{{api.PurposeGenerate9C, "9c", k.SignSP}, {api.PurposeGenerate9A, "9a", k.AuthSPKI}} {
		if err := c.cardAuth(ctx, cl, tk, step.purpose); err != nil {
			return err
		}
		if _, err := cl.RecordRenewalKey(ctx, tk, step.slot, step.spki); err != nil {
			return fmt.Errorf("record %s: %w", step.slot, err)
		}
	}
	r, err = cl.IssueRenewal(ctx, tk, k.CSRs.Auth, k.CSRs.Sign)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if r.Certificates == nil {
		return errors.New("certificates: none in the answer")
	}
	der, err := base64.StdEncoding.DecodeString(r.Certificates.Authentication)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	if err := c.cardAuth(ctx, cl, tk, api.PurposeWrite); err != nil {
		return err
	}
	renewed := &testenv.Card{GUID: c.Card.GUID, Key: k.Auth, Cert: cert, UserID: c.Card.UserID}
	ch, err := cl.Challenge(ctx)
	if err != nil {
		return fmt.Errorf("challenge: %w", err)
	}
	proof, err := testenv.Prove(renewed, ch, cl.WorkstationID())
	if err != nil {
		return err
	}
	if r, err = cl.CompleteRenewal(ctx, tk, proof); err != nil {
		return fmt.Errorf("complete: %w", err)
	} else if r.State != api.RenewalStateCompleted {
		return fmt.Errorf("complete: the renewal is %q", r.State)
	}
	c.Card = renewed
	return nil
}

// cardAuth is the card's side of the 9B relay: a challenge drawn, identityd's
// answer checked with the card's key.
func (c *RenewalCard) cardAuth(ctx context.Context, cl *client.Client, tk client.Ticket, purpose api.CardAuthPurpose) error {
	chal := make([]byte, aes.BlockSize)
	rand.Read(chal)
	resp, err := cl.RenewalCardAuth(ctx, tk, purpose, chal)
	if err != nil {
		return fmt.Errorf("card-auth %s: %w", purpose, err)
	}
	b, err := aes.NewCipher(c.Mgmt)
	if err != nil {
		return err
	}
	if len(resp) != aes.BlockSize {
		return fmt.Errorf("card-auth %s: a %d-byte answer", purpose, len(resp))
	}
	got := make([]byte, aes.BlockSize)
	b.Decrypt(got, resp)
	if !bytes.Equal(got, chal) {
		return fmt.Errorf("card-auth %s: identityd's answer does not open the card", purpose)
	}
	return nil
}

// CryptoFloor is the public-key work identityd cannot avoid per renewal
// over the API, timed on this machine's cores: the two CSR signature
// checks, the two certificate signatures (the CA's ECDSA P-256 key) and
// the verification of the completing login proof; plus, per login, one
// login-proof verification.
type CryptoFloor struct {
	PerRenewal time.Duration // CPU time of one renewal's crypto, one core
	PerLogin   time.Duration // CPU time of one login proof's verification
	Rate       float64       // renewals/s the crypto alone allows on all cores
}

// MeasureCryptoFloor times the floor with one goroutine per core for d.
func MeasureCryptoFloor(keys []RenewalKeys, d time.Duration) (CryptoFloor, error) {
	var reqs []*x509.CertificateRequest
	for _, k := range keys {
		for _, der := range [][]byte{k.CSRs.Auth, k.CSRs.Sign} {
			csr, err := x509.ParseCertificateRequest(der)
			if err != nil {
				return CryptoFloor{}, err
			}
			reqs = append(reqs, csr)
		}
	}
	caKey := keys[0].Sign                   // a P-256 key like the CA's
	tbs := sha256.Sum256(make([]byte, 700)) // a card certificate's TBS, about this long
	proofKey := keys[0].Auth
	proofSig, err := ecdsa.SignASN1(rand.Reader, proofKey, tbs[:])
	if err != nil {
		return CryptoFloor{}, err
	}
	verifyProof := func() error {
		if !ecdsa.VerifyASN1(&proofKey.PublicKey, tbs[:], proofSig) {
			return errors.New("the proof does not verify")
		}
		return nil
	}
	one := func(i int) error {
		for _, csr := range []*x509.CertificateRequest{reqs[(2*i)%len(reqs)], reqs[(2*i+1)%len(reqs)]} {
			if err := csr.CheckSignature(); err != nil {
				return err
			}
		}
		for range 2 {
			if _, err := caKey.Sign(rand.Reader, tbs[:], crypto.SHA256); err != nil {
				return err
			}
		}
		return verifyProof()
	}
	workers := runtime.GOMAXPROCS(0)
	rate, err := parallelRate(workers, d, one)
	if err != nil {
		return CryptoFloor{}, err
	}
	loginRate, err := parallelRate(workers, d/4, func(int) error { return verifyProof() })
	if err != nil {
		return CryptoFloor{}, err
	}
	cores := time.Duration(workers)
	return CryptoFloor{PerRenewal: cores * time.Duration(float64(time.Second)/rate), PerLogin: cores * time.Duration(float64(time.Second)/loginRate), Rate: rate}, nil
}

// parallelRate is how many fn calls per second workers goroutines make over d.
func parallelRate(workers int, d time.Duration, fn func(i int) error) (float64, error) {
	var n atomic.Int64
	errc := make(chan error, workers)
	deadline := time.Now().Add(d)
	start := time.Now()
	for range workers {
		go func() {
			for time.Now().Before(deadline) {
				if err := fn(int(n.Add(1))); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	var first error
	for range workers {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return float64(n.Load()) / time.Since(start).Seconds(), first
}
