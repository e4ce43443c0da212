package session

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
)

// cardIdentity is what the agent reads from a card before the passcode.
type cardIdentity struct {
	guid      [16]byte
	cert      *x509.Certificate // slot 9A
	triesLeft int               // -1 when the card would not say
	blocked   bool
	photo     []byte
}

// holder is who the card says it belongs to; only the GUID unless the
// certificate has been checked (issuedBy).
func (c cardIdentity) holder(verified bool) *CardHolder {
	h := &CardHolder{GUID: hex.EncodeToString(c.guid[:])}
	if verified {
		h.Verified, h.Name, h.UUID, h.Photo = true, c.cert.Subject.CommonName, c.cert.Subject.SerialNumber, c.photo
	}
	return h
}

// issuedBy checks the card's login certificate was signed by ca (its
// validity dates are the backend's to judge, with clearer words).
func (c cardIdentity) issuedBy(ca *x509.Certificate) error {
	return c.cert.CheckSignatureFrom(ca)
}

// errNoLoginCert means the card has no slot 9A certificate.
var errNoLoginCert = errors.New("no login certificate on the card")

// cardCache remembers, per card GUID, what does not change between
// insertions: the 9A certificate (saves two or more APDUs per login) and the
// facial image once read after a passcode (PIV protects it with the PIN).
// In memory only: nothing personal is written to a shared workstation's disk.
type cardCache struct {
	mu    sync.Mutex
	certs map[[16]byte][]byte
	photo map[[16]byte][]byte
}

func newCardCache() *cardCache {
	return &cardCache{certs: map[[16]byte][]byte{}, photo: map[[16]byte][]byte{}}
}

func (c *cardCache) cert(guid [16]byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.certs[guid]
}

func (c *cardCache) putCert(guid [16]byte, der []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.certs[guid] = der
}

// photoOf returns the cached facial image; known is false when the card
// has not been asked yet (an empty image means the card has none).
func (c *cardCache) photoOf(guid [16]byte) (img []byte, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	img, known = c.photo[guid]
	return img, known
}

func (c *cardCache) putPhoto(guid [16]byte, img []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.photo[guid] = img
}

// forget drops a card whose cached certificate the card no longer holds.
func (c *cardCache) forget(guid [16]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.certs, guid)
}

// readIdentity reads GUID, passcode tries (empty VERIFY: no try used), the
// 9A certificate (cached) and, if the card allows it without a passcode,
// the facial image: one transaction, 3 APDUs with the certificate cached.
func readIdentity(ctx context.Context, conn CardConn, cache *cardCache, trace piv.Option) (cardIdentity, error) {
	var id cardIdentity
	err := conn.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(conn.ATR()), trace)
		if err := p.Select(); err != nil {
			return err
		}
		guid, tries, blocked, err := readIDAndTries(p)
		if err != nil {
			return err
		}
		id.guid, id.triesLeft, id.blocked = guid, tries, blocked
		der := cache.cert(guid)
		if der == nil {
			der, err = p.CertificateDER(piv.SlotAuthentication)
			if errors.Is(err, piv.ErrNotFound) {
				return errNoLoginCert
			}
			if err != nil {
				return fmt.Errorf("reading the login certificate: %w", err)
			}
		}
		if id.cert, err = x509.ParseCertificate(der); err != nil {
			return fmt.Errorf("the login certificate is damaged: %w", err)
		}
		cache.putCert(guid, der)
		var known bool
		if id.photo, known = cache.photoOf(guid); !known {
			id.photo = readPhoto(p, guid, cache) // most cards want the PIN first: then it comes with the login
		}
		return nil
	})
	return id, err
}

// readIDAndTries reads the card id (CHUID GUID) and the passcode tries left
// (an empty VERIFY, which uses no try; -1 when the card will not say
// because the PIN is verified by someone else). The PIV application is
// selected.
func readIDAndTries(p *piv.Card) (guid [16]byte, tries int, blocked bool, err error) {
	if guid, err = p.GUID(); err != nil {
		return guid, 0, false, fmt.Errorf("reading the card id: %w", err)
	}
	switch n, err := p.Retries(); {
	case err == nil:
		return guid, n, false, nil
	case errors.Is(err, piv.ErrBlocked):
		return guid, 0, true, nil
	case errors.Is(err, piv.ErrAlreadyVerified):
		return guid, -1, false, nil
	default:
		return guid, 0, false, fmt.Errorf("reading passcode tries: %w", err)
	}
}

// CardFacts is what any program may read from a card without its
// passcode: the session's card read, for `cardagent doctor`.
type CardFacts struct {
	GUID      [16]byte
	TriesLeft int  // -1 when the card will not say
	Blocked   bool // no passcode tries left
	// The certificates by slot (9A login, 9C signature); a slot the card
	// has no (readable) certificate in is missing.
	Certificates map[piv.Slot]*x509.Certificate
}

// ReadCardFacts reads them in one transaction, using no passcode try and
// verifying nothing. An error wrapping piv.ErrNotPIV means the card has no
// PIV application.
func ReadCardFacts(ctx context.Context, conn CardConn) (CardFacts, error) {
	f := CardFacts{Certificates: map[piv.Slot]*x509.Certificate{}}
	err := conn.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(conn.ATR()))
		if err := p.Select(); err != nil {
			return err
		}
		var err error
		if f.GUID, f.TriesLeft, f.Blocked, err = readIDAndTries(p); err != nil {
			return err
		}
		for _, slot := range []piv.Slot{piv.SlotAuthentication, piv.SlotSignature} {
			if c, err := p.Certificate(slot); err == nil {
				f.Certificates[slot] = c
			}
		}
		return nil
	})
	return f, err
}

// signLogin verifies the passcode on the card and has the 9A key sign
// digest, in one transaction. The passcode is wiped whatever happens. When
// the photo is not cached yet it is read now that the PIN allows it.
func signLogin(ctx context.Context, conn CardConn, id cardIdentity, passcode, digest []byte, cache *cardCache, trace piv.Option) ([]byte, error) {
	defer clear(passcode)
	var sig []byte
	err := conn.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(conn.ATR()), trace)
		if err := p.Select(); err != nil {
			return err
		}
		defer p.DropPIN() // before the transaction ends, whatever happens next
		if err := p.Verify(passcode); err != nil {
			return err
		}
		signer, err := p.Signer(piv.SlotAuthentication, id.cert.PublicKey)
		if err != nil {
			return err
		}
		var mismatch *piv.MismatchError
		switch sig, err = signer.Sign(rand.Reader, digest, crypto.SHA256); {
		case errors.As(err, &mismatch):
			// The key is not the certificate's: renewed elsewhere (the cached
			// certificate is stale), or a renewal stopped after generating it.
			// identityd knows which; the signature goes to it all the same.
			cache.forget(id.guid)
			sig = mismatch.Signature
		case err != nil:
			return fmt.Errorf("the card could not sign: %w", err)
		}
		if _, known := cache.photoOf(id.guid); !known {
			readPhoto(p, id.guid, cache)
		}
		return nil
	})
	return sig, err
}

// readPhoto reads the facial image and caches the answer: the image, or
// "none" when the card has no such object. A refusal for want of the PIN is
// not cached, so the image is read again once the PIN is verified.
func readPhoto(p *piv.Card, guid [16]byte, cache *cardCache) []byte {
	img, err := p.FacialImage()
	switch {
	case err == nil:
		cache.putPhoto(guid, img)
		return img
	case errors.Is(err, piv.ErrNotFound):
		cache.putPhoto(guid, []byte{})
	}
	return nil
}
