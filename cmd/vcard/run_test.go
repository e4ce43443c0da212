//go:build !windows

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader/vcard"
)

func TestInitInfo(t *testing.T) {
	state := filepath.Join(t.TempDir(), "card.json")
	var out bytes.Buffer
	err := run(t.Context(), []string{"init", "--state", state, "--pin", "24681357", "--puk", "87654321",
		"--mgmt-alg", "aes128", "--mgmt-key", "00112233445566778899aabbccddeeff", "--pin-digits"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"info", "--state", state}, &out); err != nil {
		t.Fatal(err)
	}
	var in vcard.Info
	if err := json.Unmarshal(out.Bytes(), &in); err != nil {
		t.Fatal(err)
	}
	if in.MgmtAlg != "aes128" || in.PINTriesLeft != 3 || in.PINRule != "6-8 digits" || len(in.GUID) != 32 {
		t.Errorf("info %+v", in)
	}
	if bytes.Contains(out.Bytes(), []byte("24681357")) {
		t.Error("info shows the PIN")
	}

	for _, bad := range [][]string{
		{"init"},
		{"init", "--state", state, "--pin", "12"},
		{"init", "--state", state, "--mgmt-alg", "aes256"},
		{"init", "--state", state, "--mgmt-alg", "aes256", "--mgmt-key", "0011"},
		{"init", "--state", state, "--mgmt-alg", "rc4"},
		{"info", "--state", filepath.Join(t.TempDir(), "none")},
		{"frobnicate"},
		{},
	} {
		if err := run(t.Context(), bad, &out); err == nil {
			t.Errorf("%q succeeded", bad)
		}
	}
}

// TestAttachPullInsert plays vpcd and checks SIGUSR1/SIGUSR2 pull and
// re-insert the card.
func TestAttachPullInsert(t *testing.T) {
	state := filepath.Join(t.TempDir(), "card.json")
	if err := run(t.Context(), []string{"init", "--state", state}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"attach", "--state", state, "--port", strconv.Itoa(port)}, &bytes.Buffer{})
	}()

	getATR := func(conn net.Conn) []byte {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		conn.Write([]byte{0, 1, 4})
		var hdr [2]byte
		if _, err := conn.Read(hdr[:]); err != nil {
			t.Fatal(err)
		}
		atr := make([]byte, int(hdr[0])<<8|int(hdr[1]))
		if _, err := conn.Read(atr); err != nil {
			t.Fatal(err)
		}
		return atr
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if atr := getATR(conn); len(atr) < 2 || atr[0] != 0x3B {
		t.Fatalf("ATR % X", atr)
	}

	syscall.Kill(os.Getpid(), syscall.SIGUSR1) // pull
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("socket open after SIGUSR1")
	}
	conn.Close()

	syscall.Kill(os.Getpid(), syscall.SIGUSR2) // insert again
	if conn, err = ln.Accept(); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	getATR(conn)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("attach: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("attach did not stop")
	}
}
