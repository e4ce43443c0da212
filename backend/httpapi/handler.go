// Package httpapi is identityd's HTTP face: it decodes and validates
// requests, calls the identity service through a narrow interface and
// renders typed errors as {code, message}. It owns no logic of its own.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
)

// Service is what the handlers need from the identity service.
type Service interface {
	Challenge(ctx context.Context, req *api.ChallengeRequest) (*api.Challenge, error)
	Login(ctx context.Context, req *api.CreateSessionRequest, m identity.Meta) (*api.Session, error)
	Session(ctx context.Context, id string, a identity.Auth, m identity.Meta) (*api.Session, error)
	End(ctx context.Context, id string, a identity.Auth, m identity.Meta) error
	AcceptTerms(ctx context.Context, id string, a identity.Auth, req *api.AcceptTermsRequest, m identity.Meta) (*api.Session, error)
	SelectRole(ctx context.Context, id string, a identity.Auth, req *api.SelectRoleRequest, m identity.Meta) (*api.Session, error)
	Suspend(ctx context.Context, id string, a identity.Auth, m identity.Meta) (*api.Session, error)
	Resume(ctx context.Context, id string, req *api.ResumeRequest, m identity.Meta) (*api.Session, error)
	ReportPasscodeChange(ctx context.Context, id string, a identity.Auth, req *api.PasscodeChangeReport, m identity.Meta) error
	OpenRenewal(ctx context.Context, req *api.OpenRenewalRequest, a identity.Auth, m identity.Meta) (*api.Renewal, error)
	Renewal(ctx context.Context, id string, a identity.Auth, m identity.Meta) (*api.Renewal, error)
	RenewalCardAuth(ctx context.Context, id string, a identity.Auth, req *api.CardAuthRequest, m identity.Meta) (*api.CardAuthResponse, error)
	RecordRenewalKey(ctx context.Context, id, slot string, a identity.Auth, req *api.RecordKeyRequest, m identity.Meta) (*api.Renewal, error)
	IssueRenewal(ctx context.Context, id string, a identity.Auth, req *api.IssueRequest, m identity.Meta) (*api.Renewal, error)
	CompleteRenewal(ctx context.Context, id string, a identity.Auth, req *api.CompleteRenewalRequest, m identity.Meta) (*api.Renewal, error)
	RequestUnlock(ctx context.Context, req *api.UnlockRequest, m identity.Meta) (*api.Unlock, error)
	UnlockCode(ctx context.Context, id string, a identity.Auth, req *api.UnlockCodeRequest, m identity.Meta) (*api.Unlock, error)
	UnlockWitness(ctx context.Context, id string, a identity.Auth, req *api.UnlockWitnessRequest, m identity.Meta) (*api.UnlockWitness, error)
	UnlockPUK(ctx context.Context, id string, a identity.Auth, req *api.UnlockPUKRequest, m identity.Meta) (*api.UnlockPUK, error)
	CompleteUnlock(ctx context.Context, id string, a identity.Auth, req *api.UnlockCompleteRequest, m identity.Meta) (*api.Unlock, error)
	UnlockAnswers(ctx context.Context, id string, a identity.Auth, req *api.UnlockAnswersRequest, m identity.Meta) (*api.Unlock, error)
	SecurityQuestions(ctx context.Context, id string, a identity.Auth, m identity.Meta) (*api.SecurityQuestions, error)
	RegisterQuestions(ctx context.Context, id string, a identity.Auth, req *api.RegisterQuestionsRequest, m identity.Meta) (*api.QuestionsRegistration, error)
	ConfirmQuestions(ctx context.Context, id string, a identity.Auth, req *api.ConfirmQuestionsRequest, m identity.Meta) (*api.SecurityQuestions, error)
	AdminCard(ctx context.Context, id string, a identity.Auth, guid string, m identity.Meta) (*api.AdminCard, error)
	AdminUnlock(ctx context.Context, id string, a identity.Auth, req *api.AdminUnlockRequest, m identity.Meta) (*api.Unlock, error)
	AdminRenewal(ctx context.Context, id string, a identity.Auth, req *api.AdminRenewalRequest, m identity.Meta) (*api.AdminRenewal, error)
	AdminCancel(ctx context.Context, id string, a identity.Auth, req *api.AdminCancelRequest, m identity.Meta) (*api.AdminCard, error)
	AdminEnrol(ctx context.Context, id string, a identity.Auth, req *api.AdminEnrolRequest, m identity.Meta) (*api.AdminEnrolment, error)
	AdminPositions(ctx context.Context, id string, a identity.Auth, userID string, m identity.Meta) (*api.AdminPositions, error)
	AdminGrant(ctx context.Context, id string, a identity.Auth, userID string, req *api.AdminGrantRequest, m identity.Meta) (*api.AdminPosition, error)
	AdminEndPosition(ctx context.Context, id string, a identity.Auth, userID, positionID string, req *api.AdminEndPositionRequest, m identity.Meta) (*api.AdminPosition, error)
	AdminAudit(ctx context.Context, id string, a identity.Auth, q api.AuditQuery, m identity.Meta) (*api.AdminAuditPage, error)
	IssueAssertion(ctx context.Context, id string, a identity.Auth, req *api.AssertionRequest, m identity.Meta) (*api.Assertion, error)
	Introspect(ctx context.Context, token string) (*api.Introspection, error)
	JWKS() jose.JSONWebKeySet
	APIPolicy() *api.Policy
	// Refused audits a request refused before it reached the service.
	Refused(ctx context.Context, action string, m identity.Meta, err error) error
	Ready(ctx context.Context) error
}

var _ Service = (*identity.Service)(nil)

// Handler serves the identityd API.
type Handler struct {
	svc            Service
	log            *slog.Logger
	obs            Observer
	mux            *http.ServeMux
	routes         []string
	requestTimeout time.Duration
	root           http.Handler
	trustedProxies []netip.Prefix
}

// Option configures a Handler.
type Option func(*Handler)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithRequestTimeout bounds each request's work (default 10 s).
func WithRequestTimeout(d time.Duration) Option { return func(h *Handler) { h.requestTimeout = d } }

// Observer is told of every request and every successful login (metrics).
// The handler counts nothing itself: cmd/identityd wires the Prometheus one
// (backend/metrics), so programs embedding identityd need not link it.
type Observer interface {
	// ObserveRequest: the route pattern ("" if none matched), the status,
	// the api error code ("" on success) and the time taken.
	ObserveRequest(pattern string, status int, code api.ErrorCode, d time.Duration)
	ObserveLogin()
}

// WithObserver reports every request to o (default: nobody).
func WithObserver(o Observer) Option { return func(h *Handler) { h.obs = o } }

type noObserver struct{}

func (noObserver) ObserveRequest(string, int, api.ErrorCode, time.Duration) {}
func (noObserver) ObserveLogin()                                            {}

// New builds the handler and registers every route in api.Routes.
func New(svc Service, opts ...Option) *Handler {
	h := &Handler{svc: svc, log: slog.Default(), obs: noObserver{}, mux: http.NewServeMux(), requestTimeout: 10 * time.Second}
	for _, o := range opts {
		o(h)
	}
	h.handle(api.RouteCreateChallenge, h.createChallenge)
	h.handle(api.RouteCreateSession, h.createSession)
	h.handle(api.RouteGetSession, h.getSession)
	h.handle(api.RouteEndSession, h.endSession)
	h.handle(api.RouteAcceptTerms, h.acceptTerms)
	h.handle(api.RouteSelectRole, h.selectRole)
	h.handle(api.RouteSuspendSession, h.suspendSession)
	h.handle(api.RouteResumeSession, h.resumeSession)
	h.handle(api.RoutePasscodeChange, h.reportPasscodeChange)
	h.renewalRoutes()
	h.unlockRoutes()
	h.questionRoutes()
	h.adminRoutes()
	h.assertionRoutes()
	h.handle(api.RouteGetPolicy, h.getPolicy)
	h.handle(api.RoutePing, h.ping)
	h.handle(api.RouteHealthz, h.healthz)
	h.handle(api.RouteReadyz, h.readyz)
	h.mux.HandleFunc("/", h.notFound)
	h.root = h.middleware(h.mux)
	return h
}

func (h *Handler) handle(pattern string, fn http.HandlerFunc) {
	h.routes = append(h.routes, pattern)
	h.mux.HandleFunc(pattern, fn)
}

// Routes lists the registered API routes.
func (h *Handler) Routes() []string { return h.routes }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// auth reads the bearer token and workstation header of a session call.
func auth(r *http.Request) identity.Auth {
	a := identity.Auth{WorkstationID: r.Header.Get(api.WorkstationHeader)}
	if v := r.Header.Get("Authorization"); len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		a.Token = strings.TrimSpace(v[7:])
	}
	return a
}
