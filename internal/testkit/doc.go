// Package testkit is the one kit every test in this module uses to reach the
// real parts it runs against. It is for tests only (internal: nothing outside
// this module, and no shipped binary, imports it); it may import anything.
//
//   - PC/SC: an isolated pcscd with two vpcd readers (scripts/pcsc-rig.sh) per
//     test binary, started by MainWithPCSC in TestMain (StartPCSC, PCSC),
//     virtual cards plugged into its readers (Insert, Slot), and Need to skip
//     or fail a test when the rig did not start.
//   - identityd: a real identityd process with the demo data and enrolled demo
//     cards (StartIdentityd, StartIdentitydOn, DemoCard, DemoClinician,
//     DemoRA), and Binary to build the repo's commands.
//   - PostgreSQL: Postgres gives a test a fresh database on the rig `make
//     test` starts (CARDAGENT_TEST_PG), built on postgres.FreshDatabase.
//   - SMTP: StartSMTP runs a real SMTP server (aiosmtpd, driven by
//     smtpsink.py) with STARTTLS or implicit TLS on a fresh self-signed
//     certificate and required AUTH, and reads back what it took.
//   - CardLogin: a card's login through the client, as the agent does it.
//   - SyncBuffer: a log buffer safe for concurrent writers.
//
// Without a rig (or python3-aiosmtpd) a test skips with the reason, unless Required() says `make
// test` started the rigs (CARDAGENT_RIGS=1): then it fails.
package testkit
