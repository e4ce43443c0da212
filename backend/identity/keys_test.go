package identity_test

import (
	"crypto"
	"encoding/json"

	"github.com/cardagent/cardagent/backend/identity"
)

func identityCardKeys(k crypto.Signer) identity.CardKeys {
	return identity.CardKeys{Authentication: k.Public(), Signature: k.Public()}
}

var jsonMarshal = json.Marshal
