// Package session is the agent's brain: one state machine that turns reader
// events and user intents into card commands and backend calls, and
// publishes immutable State snapshots for the UI. It imports neither Fyne
// nor PC/SC: the UI renders States and calls intents; the reader package
// owns PC/SC; the OS adapters (session/osstore) sit behind the small
// interfaces in deps.go.
//
// # Who owns what
//
//   - The loop (Run, loop.go) is one goroutine. It alone reads and writes
//     the Agent's decision state — st, gen, conn, id, sess, ticket, parked,
//     readers, retry and the rest marked in the Agent struct — so none of it
//     has a lock. Reader events, intents (intents.go) and step results all
//     reach it through channels.
//   - A step (step.go) is the only way work leaves the loop: its work runs
//     on a goroutine of its own and sees only its arguments and the Agent's
//     immutable parts; its done runs back on the loop and is where the State
//     changes. A removal starts a new generation (newGen), which cancels
//     the running step and drops its result (release frees what it held).
//   - Published States are copies: subscribers (subscribe.go) get the newest
//     one, and a State is never modified after it is published.
//   - endings (ending.go) and the keyring queue (ticket.go) have their own
//     locks: they are called from the loop and from steps, and talk to the
//     backend and the keyring off the loop.
//
// # Where each flow lives
//
//	cardread.go  a card comes in: which reader, who it belongs to, the passcode prompt
//	login.go     passcode → card → backend session, and its failures
//	roles.go     terms, roles, the active session
//	lock.go      the card leaves or Lock: lock at once, then end or suspend
//	ending.go    sessions ended on the backend until it confirms, across restarts
//	policy.go    the backend's policy (passcode rule, Session Lock Persistence)
//	card.go      the card operations themselves (PIV APDUs in one transaction each)
//	messages.go  what the user reads
package session
