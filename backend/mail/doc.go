// Package mail sends identityd's messages to people: today the one-time
// unlock codes of self-service smartcard unlock. A Sender delivers one
// Message; SMTP is the real channel, Log stands in for a channel that is not
// wired yet (an SMS gateway) and Dir is a local demo mailbox.
//
// A message's Text holds a secret (the code), so nothing in this package
// logs it or puts it in an error: errors name the stage, the server's reply
// and the recipient at most. Message itself prints without its Text.
//
// SMTP errors say whether trying again later may help: errors.Is(err,
// ErrUnavailable) for a server that cannot be reached, timed out or answered
// 4xx; any other error is permanent (a 5xx reply, bad credentials, a TLS
// certificate that does not verify, a policy the server cannot meet).
package mail
