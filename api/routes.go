package api

// Routes of the protocol, in net/http ServeMux pattern form. The server
// registers exactly these and openapi.yaml documents exactly these; tests keep
// the three in step.
const (
	RouteCreateChallenge   = "POST /v1/challenges"
	RouteCreateSession     = "POST /v1/sessions"
	RouteGetSession        = "GET /v1/sessions/{id}"
	RouteEndSession        = "DELETE /v1/sessions/{id}"
	RouteAcceptTerms       = "POST /v1/sessions/{id}/terms"
	RouteSelectRole        = "PUT /v1/sessions/{id}/role"
	RouteSuspendSession    = "POST /v1/sessions/{id}/suspend"
	RouteResumeSession     = "POST /v1/sessions/{id}/resume"
	RoutePasscodeChange    = "POST /v1/sessions/{id}/passcode"
	RouteGetQuestions      = "GET /v1/sessions/{id}/questions"
	RouteRegisterQuestions = "POST /v1/sessions/{id}/questions"
	RouteConfirmQuestions  = "POST /v1/sessions/{id}/questions/confirm"
	RouteAdminCard         = "GET /v1/sessions/{id}/admin/cards/{guid}"
	RouteAdminUnlock       = "POST /v1/sessions/{id}/admin/unlocks"
	RouteAdminRenewal      = "POST /v1/sessions/{id}/admin/renewals"
	RouteAdminCancel       = "POST /v1/sessions/{id}/admin/cancellations"
	RouteAdminEnrol        = "POST /v1/sessions/{id}/admin/enrolments"
	RouteAdminPositions    = "GET /v1/sessions/{id}/admin/users/{user}/positions"
	RouteAdminGrant        = "POST /v1/sessions/{id}/admin/users/{user}/positions"
	RouteAdminEndPosition  = "POST /v1/sessions/{id}/admin/users/{user}/positions/{position}/end"
	RouteAdminAudit        = "GET /v1/sessions/{id}/admin/audit"
	RouteIssueAssertion    = "POST /v1/sessions/{id}/assertions"
	RouteIntrospect        = "POST /v1/introspect"
	RouteJWKS              = "GET /.well-known/jwks.json"
	RouteOpenRenewal       = "POST /v1/renewals"
	RouteGetRenewal        = "GET /v1/renewals/{id}"
	RouteRenewalCardAuth   = "POST /v1/renewals/{id}/card-auth"
	RouteRecordKey         = "PUT /v1/renewals/{id}/keys/{slot}"
	RouteIssueRenewal      = "POST /v1/renewals/{id}/certificates"
	RouteCompleteRenewal   = "POST /v1/renewals/{id}/complete"
	RouteRequestUnlock     = "POST /v1/unlocks"
	RouteUnlockAnswers     = "POST /v1/unlocks/{id}/answers"
	RouteUnlockCode        = "POST /v1/unlocks/{id}/code"
	RouteUnlockWitness     = "POST /v1/unlocks/{id}/witness"
	RouteUnlockPUK         = "POST /v1/unlocks/{id}/puk"
	RouteCompleteUnlock    = "POST /v1/unlocks/{id}/complete"
	RouteGetPolicy         = "GET /v1/policy"
	RoutePing              = "GET /v1/ping"
	RouteHealthz           = "GET /healthz"
	RouteReadyz            = "GET /readyz"
	// RouteMetrics is served on identityd's metrics listener, not the
	// API's, so it is not in Routes.
	RouteMetrics = "GET /metrics"
)

// Routes lists every route above.
var Routes = []string{
	RouteCreateChallenge, RouteCreateSession, RouteGetSession, RouteEndSession,
	RouteAcceptTerms, RouteSelectRole, RouteSuspendSession, RouteResumeSession, RoutePasscodeChange,
	RouteGetQuestions, RouteRegisterQuestions, RouteConfirmQuestions, RouteAdminCard, RouteAdminUnlock,
	RouteAdminRenewal, RouteAdminCancel, RouteAdminEnrol, RouteAdminPositions, RouteAdminGrant, RouteAdminEndPosition, RouteAdminAudit, RouteIssueAssertion, RouteIntrospect, RouteJWKS, RouteOpenRenewal, RouteGetRenewal, RouteRenewalCardAuth, RouteRecordKey, RouteIssueRenewal,
	RouteCompleteRenewal, RouteRequestUnlock, RouteUnlockAnswers, RouteUnlockCode, RouteUnlockWitness, RouteUnlockPUK, RouteCompleteUnlock,
	RouteGetPolicy, RoutePing, RouteHealthz, RouteReadyz,
}
