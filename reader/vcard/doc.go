// Package vcard is a software PIV card (NIST SP 800-73-4) for tests and
// demos. It answers the APDUs a real card answers — SELECT, GET/PUT DATA,
// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, GENERAL AUTHENTICATE,
// GENERATE ASYMMETRIC KEY PAIR, plus the YubiKey extensions that common
// tools ask for (version, serial, metadata, set management key, set retries,
// reset) — with 61xx response chaining and CLA 0x10 command chaining.
//
// A Card lives in memory (New) or in a state file (Create, Open). The file
// holds everything a real card keeps in EEPROM: keys, data objects, PIN and
// PUK, their tries counters and the management key. It is a test card: the
// PIN, PUK and keys are stored in the clear, so never put real secrets in
// it. Every change is written atomically before the card answers, so a
// tries counter cannot be rolled back by pulling the card (or killing the
// process) mid-command.
//
// A Card attaches in-process (it is an apdu.Transmitter) or to the vpcd
// virtual reader of vsmartcard over TCP (ServeVPCD, Attach), where a real
// pcscd sees it as an inserted card.
package vcard
