package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// A challenge is stateless: version || 16 random bytes || expiry (unix
// seconds) || a MAC over those and the workstation id under a key derived
// from the root secret. Any instance sharing the secret can check it without
// a database read; single use is enforced when it is redeemed.
const (
	challengeVersion = 1
	challengeIDLen   = 16
	challengeMACLen  = 16
	challengeLen     = 1 + challengeIDLen + 8 + challengeMACLen
)

// Challenge issues a login or resume challenge for one workstation.
func (s *Service) Challenge(_ context.Context, req *api.ChallengeRequest) (*api.Challenge, error) {
	exp := s.now().Add(s.policy.ChallengeLifetime).Truncate(time.Second)
	b := make([]byte, 1+challengeIDLen+8, challengeLen)
	b[0] = challengeVersion
	if _, err := rand.Read(b[1 : 1+challengeIDLen]); err != nil {
		return nil, errs.Internal(err)
	}
	binary.BigEndian.PutUint64(b[1+challengeIDLen:], uint64(exp.Unix()))
	b = append(b, s.challengeMAC(b, req.WorkstationID)...)
	return &api.Challenge{Nonce: base64.RawURLEncoding.EncodeToString(b), ExpiresAt: exp.UTC()}, nil
}

func (s *Service) challengeMAC(body []byte, workstationID string) []byte {
	m := hmac.New(sha256.New, s.challengeKey)
	m.Write([]byte("cardagent-challenge-v1"))
	m.Write(body)
	m.Write([]byte(workstationID))
	return m.Sum(nil)[:challengeMACLen]
}

// checkedChallenge is a challenge whose MAC and expiry hold.
type checkedChallenge struct {
	id        []byte
	expiresAt time.Time
}

var errChallengeForged = errors.New("challenge MAC does not verify for this workstation")

// checkChallenge verifies a nonce for a workstation: genuine, issued for it,
// not expired. Whether it was used is decided when it is redeemed.
func (s *Service) checkChallenge(nonce []byte, workstationID string) (checkedChallenge, error) {
	if len(nonce) != challengeLen || nonce[0] != challengeVersion {
		return checkedChallenge{}, errs.Unauthorized(api.CodeChallengeInvalid, "not a challenge issued by this service", nil)
	}
	body, mac := nonce[:challengeLen-challengeMACLen], nonce[challengeLen-challengeMACLen:]
	if !hmac.Equal(mac, s.challengeMAC(body, workstationID)) {
		return checkedChallenge{}, errs.Unauthorized(api.CodeChallengeInvalid,
			"not a challenge issued by this service for this workstation", errChallengeForged)
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(body[1+challengeIDLen:])), 0)
	if !s.now().Before(exp) {
		return checkedChallenge{}, errs.Unauthorized(api.CodeChallengeExpired, "the challenge has expired: request a new one", nil)
	}
	return checkedChallenge{id: body[1 : 1+challengeIDLen], expiresAt: exp}, nil
}
