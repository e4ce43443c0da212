package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/client"
)

type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

func TestCheckBackend(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		ok      bool
		fixWord string
	}{
		{"reachable", nil, true, ""},
		{"wrong pin", fmt.Errorf("%w: no certificate matches", client.ErrUntrusted), false, "ca-pin"},
		{"down", fmt.Errorf("%w: connection refused", client.ErrUnreachable), false, "network"},
		{"refused", &client.APIError{Status: 503, Code: "unavailable"}, false, "IT service desk"},
	}
	for _, tc := range tests {
		f := CheckBackend(context.Background(), pingFunc(func(context.Context) error { return tc.err }), "https://id.example", time.Second)
		if f.OK != tc.ok || !strings.Contains(f.Fix, tc.fixWord) {
			t.Errorf("%s: %+v", tc.name, f)
		}
	}
	slow := pingFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return fmt.Errorf("%w: %v", client.ErrUnreachable, ctx.Err())
	})
	if f := CheckBackend(context.Background(), slow, "u", 50*time.Millisecond); f.OK || !errors.Is(slowErr(slow), client.ErrUnreachable) {
		t.Errorf("slow backend: %+v", f)
	}
}

func slowErr(p Pinger) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	return p.Ping(ctx)
}
