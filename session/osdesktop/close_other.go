//go:build !linux

package osdesktop

import (
	"context"
	"errors"
)

// CloseApplications is not built for this system yet.
func (d Desktop) CloseApplications(ctx context.Context, names []string) ([]string, error) {
	return nil, errors.New("closing applications on logout is not supported on this system")
}
