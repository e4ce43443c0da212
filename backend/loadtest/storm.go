package loadtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cardagent/cardagent/backend/identity"
)

// CSRPair is what a card sends to renew: a CSR for slot 9A and one for 9C,
// each signed by the new key.
type CSRPair struct{ Auth, Sign []byte }

// NewCSRPairs makes n CSR pairs with fresh ECDSA P-256 keys (key generation
// happens on the card, so the storm reuses a small pool).
func NewCSRPairs(n int) ([]CSRPair, error) {
	out, _, err := newCSRPairs(n)
	return out, err
}

// newCSRPairs is NewCSRPairs with the keys: 9A's and 9C's of pair i at
// 2i and 2i+1.
func newCSRPairs(n int) ([]CSRPair, []*ecdsa.PrivateKey, error) {
	out := make([]CSRPair, n)
	var keys []*ecdsa.PrivateKey
	for i := range out {
		for _, dst := range []*[]byte{&out[i].Auth, &out[i].Sign} {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				return nil, nil, err
			}
			*dst, err = x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "card"}}, k)
			if err != nil {
				return nil, nil, err
			}
			keys = append(keys, k)
		}
	}
	return out, keys, nil
}

// StormResult is a renewal storm's outcome.
type StormResult struct {
	Renewals int64
	Elapsed  time.Duration
}

// Rate is renewals per second.
func (r StormResult) Rate() float64 { return float64(r.Renewals) / r.Elapsed.Seconds() }

// Storm renews n cards' certificate pairs (two certificates each, audited,
// through the same CA path renewal uses: CSR check, issue, store) with
// workers in parallel, for at most d.
func Storm(ctx context.Context, svc *identity.Service, guids [][]byte, csrs []CSRPair, n int64, workers int, d time.Duration) (StormResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				c := csrs[i%int64(len(csrs))]
				keys, err := identity.KeysFromCSRs(c.Auth, c.Sign)
				if err == nil {
					_, err = svc.RenewCard(ctx, "storm", guids[i%int64(len(guids))], keys, false)
				}
				if err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	res := StormResult{Renewals: done.Load(), Elapsed: time.Since(start)}
	if firstErr != nil {
		return res, fmt.Errorf("renewal %d: %w", res.Renewals, firstErr)
	}
	return res, nil
}

// SignRate is bare ECDSA P-256 signatures per second with workers in
// parallel over d: the ceiling issuance is compared with.
func SignRate(workers int, d time.Duration) float64 {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("tbs"))
	rate, err := parallelRate(workers, d, func(int) error {
		_, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
		return err
	})
	if err != nil {
		panic(err)
	}
	return rate
}
