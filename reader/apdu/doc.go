// Package apdu implements the ISO/IEC 7816-4 transport layer that every
// smartcard application speaks: command and response APDUs (short and
// extended), status words as typed errors, command chaining (CLA bit 0x10),
// response chaining (61xx GET RESPONSE, 6Cxx wrong Le) and BER-TLV.
//
// It is pure Go with no I/O of its own: a Transmitter moves the bytes. The
// host side (reader/piv) and the card side (reader/vcard) both build on it.
package apdu
