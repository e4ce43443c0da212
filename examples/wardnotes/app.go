package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
)

// agent is what the app asks of the smartcard agent (localapi.Client).
type agent interface {
	Ticket(ctx context.Context, audience string) (localapi.Ticket, error)
}

// app is the sample clinical application: its users sign in with a ticket
// from the smartcard agent and are locked out the moment the card leaves.
type app struct {
	verify   *verifier
	agent    agent // nil: no agent on this desktop (tickets pasted only)
	audience string
	log      *slog.Logger

	mu       sync.Mutex
	sessions map[string]*appSession // by cookie
}

// appSession is one browser's sign-in.
type appSession struct {
	claims Claims
	since  time.Time
	locked chan struct{} // closed when the session locks
}

func (s *appSession) isLocked() bool {
	select {
	case <-s.locked:
		return true
	default:
		return false
	}
}

const cookieName = "wardnotes_session"

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) { a.render(w, http.StatusOK, "signin", pageData{}) })
	mux.HandleFunc("POST /signin/agent", a.signInFromAgent)
	mux.HandleFunc("POST /signin", a.signInWithTicket)
	mux.HandleFunc("POST /signout", a.signOut)
	mux.HandleFunc("GET /locked", func(w http.ResponseWriter, r *http.Request) { a.render(w, http.StatusOK, "locked", pageData{}) })
	mux.HandleFunc("GET /events", a.events)
	return sameOrigin(mux)
}

// sameOrigin serves loopback names only (no DNS rebinding) and refuses
// POSTs from other origins.
func sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil || (host != "127.0.0.1" && host != "localhost" && host != "[::1]" && host != "::1") {
			http.Error(w, "served on loopback only", http.StatusMisdirectedRequest)
			return
		}
		if r.Method == http.MethodPost {
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
				http.Error(w, "a form from another site", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (a *app) current(r *http.Request) *appSession {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[c.Value]
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	s := a.current(r)
	switch {
	case s == nil:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case s.isLocked():
		http.Redirect(w, r, "/locked", http.StatusSeeOther)
	default:
		a.render(w, http.StatusOK, "home", pageData{Claims: &s.claims, Since: s.since})
	}
}

// signInFromAgent asks the desktop's agent for a ticket for this app.
func (a *app) signInFromAgent(w http.ResponseWriter, r *http.Request) {
	if a.agent == nil {
		a.render(w, http.StatusServiceUnavailable, "signin", pageData{Problem: "No smartcard agent on this desktop: paste a ticket below."})
		return
	}
	t, err := a.agent.Ticket(r.Context(), a.audience)
	switch {
	case errors.Is(err, session.ErrSessionLocked):
		a.render(w, http.StatusConflict, "signin", pageData{Problem: "Your smartcard session is locked: insert your card and type your passcode, then sign in."})
	case errors.Is(err, session.ErrNoSession):
		a.render(w, http.StatusConflict, "signin", pageData{Problem: "Nobody is logged in with a smartcard: insert your card, type your passcode and choose a role, then sign in."})
	case errors.Is(err, localapi.ErrNoAgent):
		a.render(w, http.StatusServiceUnavailable, "signin", pageData{Problem: "The smartcard agent is not running."})
	case err != nil:
		a.render(w, http.StatusBadGateway, "signin", pageData{Problem: "The smartcard agent could not give a ticket: " + err.Error()})
	default:
		a.signIn(w, r, t.Assertion)
	}
}

// signInWithTicket takes a ticket a launcher or script got with
// `cardagent ticket --audience ward-notes`.
func (a *app) signInWithTicket(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	a.signIn(w, r, r.PostFormValue("ticket"))
}

func (a *app) signIn(w http.ResponseWriter, r *http.Request, ticket string) {
	claims, err := a.verify.verify(r.Context(), ticket)
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		a.log.Info("ticket refused", "reason", ref.reason)
		a.render(w, http.StatusUnauthorized, "signin", pageData{Problem: "This ticket was refused: " + ref.reason + "."})
		return
	case err != nil:
		a.render(w, http.StatusInternalServerError, "signin", pageData{Problem: err.Error()})
		return
	}
	id := make([]byte, 32)
	rand.Read(id)
	cookie := base64.RawURLEncoding.EncodeToString(id)
	a.mu.Lock()
	a.sessions[cookie] = &appSession{claims: claims, since: time.Now(), locked: make(chan struct{})}
	a.mu.Unlock()
	a.log.Info("signed in", "user", claims.Subject, "role", claims.Role, "sid", claims.SessionID)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// events tells the page when its session locks (Server-Sent Events).
func (a *app) events(w http.ResponseWriter, r *http.Request) {
	s := a.current(r)
	if s == nil {
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	flusher, _ := w.(http.Flusher)
	fmt.Fprint(w, ": watching\n\n")
	flusher.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-s.locked:
			fmt.Fprint(w, "event: locked\ndata: locked\n\n")
			flusher.Flush()
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": still here\n\n")
			flusher.Flush()
		case <-r.Context().Done():
			return
		}
	}
}

// lock locks the sessions keep does not accept.
func (a *app) lock(why string, keep func(*appSession) bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.sessions {
		if !s.isLocked() && !keep(s) {
			close(s.locked)
			a.log.Info("session locked", "user", s.claims.Subject, "why", why)
		}
	}
}

// watch locks every session the moment the agent says its session is no
// longer active (the card was pulled), and checks the sessions with
// identityd every recheck: a fresh ticket from the agent, introspected,
// must name the session each one signed in with.
func (a *app) watch(ctx context.Context, states <-chan session.LocalState, recheck time.Duration) {
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case st, ok := <-states:
			if !ok {
				states = nil // no agent to listen to: the rechecks go on
				continue
			}
			if st != session.LocalActive {
				a.lock("the smartcard agent says "+string(st), func(*appSession) bool { return false })
			}
		case <-tick.C:
			a.recheck(ctx)
		}
	}
}

func (a *app) recheck(ctx context.Context) {
	if a.agent == nil {
		return
	}
	t, err := a.agent.Ticket(ctx, a.audience)
	if err != nil {
		a.lock("no fresh ticket: "+err.Error(), func(*appSession) bool { return false })
		return
	}
	now, err := a.verify.verify(ctx, t.Assertion)
	if err != nil {
		a.lock("the fresh ticket was refused: "+err.Error(), func(*appSession) bool { return false })
		return
	}
	a.lock("another session is active now", func(s *appSession) bool { return s.claims.SessionID == now.SessionID })
}
