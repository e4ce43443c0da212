package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/reader/vcard"
)

const usage = `usage:
  vcard init   --state FILE [--pin PIN] [--puk PUK] [--mgmt-key HEX --mgmt-alg aes128|aes192|aes256|3des]
               [--pin-min N --pin-max N --pin-digits --pin-retries N --puk-retries N]
  vcard attach --state FILE [--host 127.0.0.1] [--port 35963] [--reconnect] [--keygen-time D]
  vcard info   --state FILE`

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "init":
		return runInit(args[1:], out)
	case "attach":
		return runAttach(ctx, args[1:])
	case "info":
		return runInfo(args[1:], out)
	case "-h", "--help", "help":
		fmt.Fprintln(out, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

var mgmtAlgs = map[string]byte{
	"3des": vcard.MgmtAlg3DES, "aes128": vcard.MgmtAlgAES128,
	"aes192": vcard.MgmtAlgAES192, "aes256": vcard.MgmtAlgAES256,
}

func runInit(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	state := fs.String("state", "", "card state file to create (replaced if present)")
	pin := fs.String("pin", "", "PIN (default 123456)")
	puk := fs.String("puk", "", "PUK (default 12345678)")
	mgmtKey := fs.String("mgmt-key", "", "management key in hex (default: the factory 3DES key)")
	mgmtAlg := fs.String("mgmt-alg", "3des", "management key algorithm: 3des, aes128, aes192, aes256")
	var opts vcard.Options
	enrolDir := fs.String("enrol-dir", "", "personalise with a card enrolment from this directory (identityd demo -card-dir)")
	enrolUser := fs.String("enrol-user", "", "with --enrol-dir: the user UUID whose card this is")
	fs.IntVar(&opts.PINMinLen, "pin-min", 0, "shortest PIN accepted (default 6)")
	fs.IntVar(&opts.PINMaxLen, "pin-max", 0, "longest PIN accepted (default 8)")
	fs.BoolVar(&opts.PINDigitsOnly, "pin-digits", false, "PIN must be digits only")
	fs.BoolVar(&opts.NoPINReset, "no-pin-reset", false, "play a pre-SP 800-73-4 card: VERIFY P1=FF is refused, only a reset drops a verified PIN")
	fs.IntVar(&opts.PINRetries, "pin-retries", 0, "PIN tries (default 3)")
	fs.IntVar(&opts.PUKRetries, "puk-retries", 0, "PUK tries (default 3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" {
		return errors.New("init: --state is required")
	}
	alg, ok := mgmtAlgs[*mgmtAlg]
	if !ok {
		return fmt.Errorf("init: unknown --mgmt-alg %q", *mgmtAlg)
	}
	var key []byte
	if *mgmtKey != "" {
		var err error
		if key, err = hex.DecodeString(*mgmtKey); err != nil {
			return fmt.Errorf("init: --mgmt-key: %w", err)
		}
	} else if alg != vcard.MgmtAlg3DES {
		return errors.New("init: --mgmt-alg needs --mgmt-key")
	}
	// Check every setting on an in-memory card before the file is written.
	tmp, err := vcard.New(opts)
	if err != nil {
		return err
	}
	if err := configure(tmp, *pin, *puk, alg, key); err != nil {
		return err
	}
	var enrolment *vcard.Enrolment
	if *enrolDir != "" {
		e, err := demo.LoadEnrolment(*enrolDir, *enrolUser)
		if err != nil {
			return err
		}
		enrolment = &e
	}
	c, err := vcard.Create(*state, opts)
	if err != nil {
		return err
	}
	if err := configure(c, *pin, *puk, alg, key); err != nil {
		return err
	}
	if enrolment != nil {
		if err := c.Enrol(*enrolment); err != nil {
			return err
		}
	}
	g := c.GUID()
	fmt.Fprintf(out, "created %s: GUID %x\n", *state, g[:])
	return nil
}

func configure(c *vcard.Card, pin, puk string, alg byte, key []byte) error {
	if pin != "" {
		if err := c.SetPIN([]byte(pin)); err != nil {
			return err
		}
	}
	if puk != "" {
		if err := c.SetPUK([]byte(puk)); err != nil {
			return err
		}
	}
	if key != nil {
		return c.SetManagementKey(alg, key)
	}
	return nil
}

func runInfo(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	state := fs.String("state", "", "card state file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" {
		return errors.New("info: --state is required")
	}
	c, err := vcard.Open(*state)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(c.Info())
}

// runAttach keeps the card in the vpcd reader until ctx ends. SIGUSR1 pulls
// it (closes the socket), SIGUSR2 inserts it again.
func runAttach(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("attach", flag.ContinueOnError)
	state := fs.String("state", "", "card state file")
	host := fs.String("host", "127.0.0.1", "vpcd host")
	port := fs.Int("port", 35963, "vpcd port (35963 reader 0, 35964 reader 1)")
	reconnect := fs.Bool("reconnect", false, "wait for vpcd and reconnect whenever it goes away")
	keygen := fs.Duration("keygen-time", 0, "take this long to generate each key pair, as real cards do (seconds for RSA-2048)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" {
		return errors.New("attach: --state is required")
	}
	c, err := vcard.Open(*state)
	if err != nil {
		return err
	}
	if *keygen > 0 {
		c.BeforeAnswer(func(cmd []byte) {
			if len(cmd) > 1 && cmd[1] == 0x47 { // GENERATE ASYMMETRIC KEY PAIR
				time.Sleep(*keygen)
			}
		})
	}
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	sig := make(chan os.Signal, 4)
	notifyPullInsert(sig)
	defer signal.Stop(sig)
	return attach(ctx, c, addr, *reconnect, sig)
}

// attach alternates between inserted (serving vpcd) and pulled (waiting
// for SIGUSR2) until ctx ends.
func attach(ctx context.Context, c *vcard.Card, addr string, reconnect bool, sig <-chan os.Signal) error {
	log := slog.Default()
	for {
		insCtx, pull := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Attach(insCtx, addr, reconnect) }()
		log.Info("card inserted", "vpcd", addr)
		pulled := false
		for !pulled {
			select {
			case err := <-done:
				pull()
				return err // ctx ended (nil) or vpcd failed without --reconnect
			case s := <-sig:
				if s == sigPull {
					pulled = true
				}
			}
		}
		pull()
		if err := <-done; err != nil {
			return err
		}
		log.Info("card pulled; SIGUSR2 inserts it again")
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return nil
			case s := <-sig:
				waiting = s != sigInsert
			}
		}
	}
}
