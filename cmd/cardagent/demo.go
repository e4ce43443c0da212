package main

import (
	"context"
	"errors"
	"log/slog"
)

// demoRig is the embedded demo: an in-process identityd on loopback with
// demo data, and a virtual demo card in the vpcd reader.
type demoRig struct {
	url, pin string
	stop     func()
}

func startDemo(ctx context.Context, log *slog.Logger, withCard bool) (*demoRig, error) {
	return nil, errors.New("the embedded demo backend is not built yet: pass --backend and --ca-pin")
}
