package session

// What the external tests (package session_test, which use the fakes in
// session/sessiontest) need of the package's insides. Test builds only.

// Do runs f on the agent's loop, after everything queued before it.
func (a *Agent) Do(f func()) { a.do(f) }

// Idle reports, on the loop, whether no intent, step result, step,
// background job or backend end is queued or running.
func (a *Agent) Idle() bool { return a.idle() }

// DefaultRule is the passcode rule before the backend's policy is known.
var DefaultRule = defaultRule

// SimplePasscode is the RefuseSimple test.
var SimplePasscode = simplePasscode
