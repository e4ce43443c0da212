package testkit

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SMTPOptions shape the server StartSMTP starts.
type SMTPOptions struct {
	// StartTLS offers STARTTLS with a fresh self-signed certificate for
	// 127.0.0.1, ::1 and localhost, and requires it before any other
	// command.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465 style),
	// with the same kind of certificate. Not with StartTLS.
	ImplicitTLS bool
	// Username and Password, when set, are the one login AUTH (PLAIN,
	// LOGIN) accepts, and AUTH is required before MAIL. With StartTLS,
	// AUTH is offered only after it.
	Username, Password string
	// TempFail are recipients whose RCPT TO is answered 451 (try later).
	TempFail []string
}

// SMTP is a running aiosmtpd server (internal/testkit/smtpsink.py) on
// 127.0.0.1, stopped when the test that started it ends.
type SMTP struct {
	Host string // "127.0.0.1"
	Port int
	// CertPEM is the server's self-signed certificate and CertPool holds
	// it, for a client to trust; both nil without TLS.
	CertPEM  []byte
	CertPool *x509.CertPool
	dir      string // where the sink writes messages
}

// SMTPMessage is one message the server took.
type SMTPMessage struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	// Header is the message's header; Subject is its Subject decoded
	// (RFC 2047) and Text its body with the transfer encoding undone and
	// line ends as "\n".
	Header  mail.Header
	Subject string
	Text    string
	Raw     []byte // the data as received
	// TLS and Authenticated say whether the session that carried it was
	// encrypted and logged in.
	TLS, Authenticated bool
}

// Addr is host:port.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// exitMissing is smtpsink.py's exit status when aiosmtpd is not installed.
const exitMissing = 3

// StartSMTP starts a real SMTP server (aiosmtpd, Debian's python3-aiosmtpd)
// for t and waits until it accepts connections. Without python3 or aiosmtpd
// the test skips, naming `make deps`, unless Required(): then it fails.
func StartSMTP(t testing.TB, opts SMTPOptions) *SMTP {
	t.Helper()
	if opts.StartTLS && opts.ImplicitTLS {
		t.Fatal("testkit.StartSMTP: StartTLS and ImplicitTLS are exclusive")
	}
	python, err := python3()
	if err != nil {
		missingSMTP(t, err.Error())
	}
	base := t.TempDir()
	s := &SMTP{Host: "127.0.0.1", dir: filepath.Join(base, "messages")}
	if err := os.Mkdir(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}

	args := []string{filepath.Join(RepoRoot(), "internal", "testkit", "smtpsink.py"), "--outdir", s.dir}
	if opts.StartTLS || opts.ImplicitTLS {
		certFile, keyFile := filepath.Join(base, "cert.pem"), filepath.Join(base, "key.pem")
		if s.CertPEM, err = selfSignedCert(certFile, keyFile); err != nil {
			t.Fatalf("testkit.StartSMTP: certificate: %v", err)
		}
		s.CertPool = x509.NewCertPool()
		s.CertPool.AppendCertsFromPEM(s.CertPEM)
		mode := "starttls"
		if opts.ImplicitTLS {
			mode = "implicit"
		}
		args = append(args, "--tls", mode, "--cert", certFile, "--key", keyFile)
	}
	for _, a := range opts.TempFail {
		args = append(args, "--tempfail", a)
	}

	// Pipes of our own, not StdoutPipe: Wait runs in a goroutine while the
	// ready line is still being read. The sink stops when its stdin closes,
	// so it does not outlive a test binary that dies.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr SyncBuffer
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "SMTPSINK_USERNAME="+opts.Username, "SMTPSINK_PASSWORD="+opts.Password, "PYTHONUNBUFFERED=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, stdoutW, &stderr
	if err := cmd.Start(); err != nil {
		missingSMTP(t, fmt.Sprintf("starting %s: %v", python, err))
	}
	stdinR.Close()
	stdoutW.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdinW.Close()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		stdoutR.Close()
	})

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdoutR).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ready:
		port, ok := strings.CutPrefix(line, "READY ")
		if !ok {
			// No ready line: the sink ended (or printed something else
			// and is about to). Its exit status says why.
			var err error
			select {
			case err = <-exited:
				exited <- err // for the cleanup
			case <-time.After(5 * time.Second):
				err = errors.New("still running")
			}
			var exit *exec.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == exitMissing {
				missingSMTP(t, strings.TrimSpace(stderr.String()))
			}
			t.Fatalf("testkit.StartSMTP: the SMTP sink did not start (%v): %s", err, stderr.String())
		}
		if s.Port, err = strconv.Atoi(port); err != nil {
			t.Fatalf("testkit.StartSMTP: ready line %q: %v", line, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("testkit.StartSMTP: no ready line from the SMTP sink in 30 s: %s", stderr.String())
	}
	return s
}

// Messages returns every message the server took so far, oldest first.
func (s *SMTP) Messages() ([]SMTPMessage, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	msgs := make([]SMTPMessage, 0, len(names))
	for _, name := range names {
		m, err := readSMTPMessage(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// WaitMessage waits up to timeout for a message to the envelope recipient
// to (the first one), failing t if none comes.
func (s *SMTP) WaitMessage(t testing.TB, to string, timeout time.Duration) SMTPMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := s.Messages()
		if err != nil {
			t.Fatalf("SMTP sink: %v", err)
		}
		for _, m := range msgs {
			if slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMTP sink: no message to %s in %v (%d other messages)", to, timeout, len(msgs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readSMTPMessage parses one record smtpsink.py wrote.
func readSMTPMessage(name string) (SMTPMessage, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return SMTPMessage{}, err
	}
	var rec struct {
		MailFrom      string   `json:"mail_from"`
		RcptTos       []string `json:"rcpt_tos"`
		Data          string   `json:"data"`
		TLS           bool     `json:"tls"`
		Authenticated bool     `json:"authenticated"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return SMTPMessage{}, err
	}
	m := SMTPMessage{From: rec.MailFrom, To: rec.RcptTos, TLS: rec.TLS, Authenticated: rec.Authenticated}
	if m.Raw, err = base64.StdEncoding.DecodeString(rec.Data); err != nil {
		return m, err
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return m, err
	}
	m.Header = parsed.Header
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject")); err != nil {
		return m, fmt.Errorf("subject: %w", err)
	}
	body := parsed.Body
	switch strings.ToLower(parsed.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return m, fmt.Errorf("body: %w", err)
	}
	m.Text = strings.ReplaceAll(string(text), "\r\n", "\n")
	return m, nil
}

// python3 is Debian's interpreter when there is one: python3-aiosmtpd
// installs for it, and a python3 earlier in PATH (pyenv, a venv) may not
// see Debian's packages.
func python3() (string, error) {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3", nil
	}
	return exec.LookPath("python3")
}

// missingSMTP skips t, or fails it under `make test`, for want of the sink.
func missingSMTP(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("no SMTP test server (%s): `make deps` installs python3-aiosmtpd", why)
	}
	t.Skipf("no SMTP test server (%s); `make deps` installs python3-aiosmtpd", why)
}

// selfSignedCert writes a fresh P-256 certificate for 127.0.0.1, ::1 and
// localhost, valid for a day, and its key, and returns the certificate PEM.
func selfSignedCert(certFile, keyFile string) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "cardagent test SMTP server"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	return certPEM, nil
}
