// Command vcard manages a software PIV card and inserts it in the vpcd
// virtual reader:
//
//	vcard init   --state FILE [--pin P] [--puk P] [--mgmt-key HEX --mgmt-alg aes128|aes192|aes256|3des]
//	vcard attach --state FILE [--host 127.0.0.1] [--port 35963] [--reconnect] [--keygen-time D]
//	vcard info   --state FILE
//
// While attached, SIGUSR1 pulls the card out of the reader and SIGUSR2
// puts it back.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vcard:", err)
		stop()
		os.Exit(1)
	}
}
