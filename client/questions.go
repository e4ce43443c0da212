package client

import (
	"context"

	"github.com/cardagent/cardagent/api"
)

// The security question calls (docs/unlock.md), on the session's ticket.
// None is retried: registering sends an email each time.

// SecurityQuestions reads the catalogue and which questions the holder registered.
func (c *Client) SecurityQuestions(ctx context.Context, t Ticket) (api.SecurityQuestions, error) {
	var q api.SecurityQuestions
	return q, c.do(ctx, api.RouteGetQuestions, &t, nil, &q, t.ID)
}

// RegisterQuestions sends four answers with a fresh card proof signed over
// api.QuestionsDigest; identityd emails the code that confirms them.
func (c *Client) RegisterQuestions(ctx context.Context, t Ticket, proof api.CardProof, answers []api.SecurityAnswer) (api.QuestionsRegistration, error) {
	var r api.QuestionsRegistration
	return r, c.do(ctx, api.RouteRegisterQuestions, &t, api.RegisterQuestionsRequest{Proof: proof, Answers: answers}, &r, t.ID)
}

// ConfirmQuestions sends the emailed code; the questions are registered.
func (c *Client) ConfirmQuestions(ctx context.Context, t Ticket, code string) (api.SecurityQuestions, error) {
	var q api.SecurityQuestions
	return q, c.do(ctx, api.RouteConfirmQuestions, &t, api.ConfirmQuestionsRequest{Code: code}, &q, t.ID)
}
