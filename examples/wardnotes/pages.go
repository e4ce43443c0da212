package main

import (
	"html/template"
	"net/http"
	"time"
)

// pageData is what a page shows.
type pageData struct {
	Claims  *Claims
	Since   time.Time
	Problem string
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"clock": func(t time.Time) string { return t.Local().Format("15:04:05") },
}).Parse(`
{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}} — Ward Notes</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#212b32;background:#f0f4f5}
header{background:#005eb8;color:#fff;padding:16px 32px;font-size:22px;font-weight:bold}
main{max-width:720px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:4px}
button{background:#007f3b;color:#fff;border:0;padding:12px 20px;font-size:16px;border-radius:4px;cursor:pointer}
.problem{border-left:8px solid #d5281b;padding:8px 16px;background:#fde8e6}
textarea{width:100%;font-family:monospace}
dt{font-weight:bold;margin-top:8px}
</style></head><body><header>Ward Notes <small>(a sample clinical application)</small></header><main>{{end}}
{{define "bottom"}}</main></body></html>{{end}}

{{define "signin"}}{{template "top" "Sign in"}}
<h1>Sign in</h1>
{{with .Problem}}<p class="problem" id="problem">{{.}}</p>{{end}}
<p>Log in with your smartcard in the smartcard agent, then:</p>
<form method="post" action="/signin/agent"><button id="signin-agent">Sign in with your smartcard</button></form>
<details id="paste"><summary>Sign in with a ticket</summary>
<p>A launcher or script gets one with <code>cardagent ticket --audience ward-notes</code>.</p>
<form method="post" action="/signin"><textarea name="ticket" id="ticket" rows="6"></textarea>
<p><button id="signin-ticket">Sign in with this ticket</button></p></form></details>
{{template "bottom"}}{{end}}

{{define "home"}}{{template "top" "Patients"}}
<h1 id="user">{{.Claims.Name}}</h1>
<dl>
<dt>Role</dt><dd id="role">{{.Claims.Role}}</dd>
<dt>Organisation</dt><dd id="org">{{.Claims.OrgName}} ({{.Claims.Organisation}})</dd>
<dt>UUID</dt><dd id="uuid">{{.Claims.Subject}}</dd>
<dt>Workstation</dt><dd>{{.Claims.Workstation}}</dd>
<dt>Signed in</dt><dd>{{clock .Since}}, checked with identityd</dd>
</dl>
<form method="post" action="/signout"><button>Sign out</button></form>
<script>
// The server says when the card leaves; the page goes to the lock at once.
const events = new EventSource('/events');
events.addEventListener('open', () => { document.body.dataset.watching = 'yes'; });
events.addEventListener('locked', () => location.replace('/locked'));
</script>
{{template "bottom"}}{{end}}

{{define "locked"}}{{template "top" "Locked"}}
<h1 id="locked">Locked</h1>
<p>Your smartcard was removed, so Ward Notes is locked. Insert your card and type your passcode in the smartcard agent, then sign in again.</p>
<form method="post" action="/signin/agent"><button id="signin-again">Sign in again</button></form>
{{template "bottom"}}{{end}}
`))

func (a *app) render(w http.ResponseWriter, status int, page string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, page, d); err != nil {
		a.log.Warn("page", "page", page, "err", err)
	}
}
