package wiring

import (
	"context"
	"log/slog"
	"strings"

	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/reader"
)

// startDemo starts the embedded demo (package demo): its backend, and its
// card in the vpcd reader unless withCard is off or a physical card is in.
func startDemo(ctx context.Context, log *slog.Logger, withCard bool) (*demo.Demo, error) {
	return demo.Start(ctx, demo.Options{Log: log, Card: withCard && !physicalCardPresent()})
}

// physicalCardPresent reports whether a reader other than vpcd holds a card:
// then the demo stays out of the way.
func physicalCardPresent() bool {
	readers, err := reader.List()
	if err != nil {
		return false
	}
	for _, r := range readers {
		if r.Present && !strings.HasPrefix(r.Name, "Virtual PCD") {
			return true
		}
	}
	return false
}
