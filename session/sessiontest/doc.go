// Package sessiontest runs a real session.Agent against in-process fakes,
// for the session's own tests and for anyone who needs real States (the UI's
// samples): a fake identityd (Backend) that checks the card's signatures for
// real, software PIV cards (reader/vcard) enrolled by its CA, readers to
// insert and pull them (Readers), a keyring in memory (Tickets), and a
// Driver that starts the Agent, answers its questions and waits for the
// State with a given Screen on its subscription.
//
// No pcscd and no identityd: the real chain (pcscd + vpcd + vcard +
// identityd) is tested in e2e/. The package holds no test of its own; it is
// ordinary code so that other packages' tests can import it.
package sessiontest
