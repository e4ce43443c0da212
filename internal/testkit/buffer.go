package testkit

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// SyncBuffer is a bytes.Buffer safe for concurrent writers (process logs).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Contains reports whether the logs contain sub, case-insensitively.
func (s *SyncBuffer) Contains(sub string) bool {
	return strings.Contains(strings.ToLower(s.String()), strings.ToLower(sub))
}

var _ io.Writer = (*SyncBuffer)(nil)
