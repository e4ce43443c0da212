package piv_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/reader/vcard"
)

// TestMutualAuthProvesTheCard: the key holder opens the card's witness and
// gets its own challenge back encrypted, which only a card holding the
// key can do; a wrong witness is refused and authenticates nothing; after
// a good exchange the management key counts as authenticated.
func TestMutualAuthProvesTheCard(t *testing.T) {
	for _, tt := range []struct {
		alg  piv.Algorithm
		valg byte
		n    int
	}{{piv.Alg3DES, vcard.MgmtAlg3DES, 24}, {piv.AlgAES128, vcard.MgmtAlgAES128, 16}, {piv.AlgAES256, vcard.MgmtAlgAES256, 32}} {
		t.Run(tt.alg.String(), func(t *testing.T) {
			vc, c := newVCard(t)
			key := make([]byte, tt.n)
			rand.Read(key)
			must(t, vc.SetManagementKey(tt.valg, key))
			must(t, c.Select())

			w, err := c.BeginMutualAuth(tt.alg)
			must(t, err)
			witness, err := piv.MgmtDecrypt(tt.alg, key, w.Encrypted)
			must(t, err)
			challenge := make([]byte, len(witness))
			rand.Read(challenge)
			answer, err := c.FinishMutualAuth(w, witness, challenge)
			must(t, err)
			want, err := piv.MgmtResponse(tt.alg, key, challenge)
			must(t, err)
			if !bytes.Equal(answer, want) {
				t.Fatalf("the card answered % X, want % X", answer, want)
			}
			// Authenticated: a management-key operation is allowed.
			must(t, c.SetManagementKey(tt.alg, key))

			w, err = c.BeginMutualAuth(tt.alg)
			must(t, err)
			wrong := make([]byte, len(witness))
			if _, err := c.FinishMutualAuth(w, wrong, challenge); !errors.Is(err, piv.ErrMgmtKeyRejected) {
				t.Fatalf("a wrong witness: %v, want ErrMgmtKeyRejected", err)
			}
			if err := c.SetManagementKey(tt.alg, key); err == nil {
				t.Fatal("a refused witness left the management key authenticated")
			}
		})
	}
}
