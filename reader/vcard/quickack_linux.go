package vcard

import (
	"net"
	"syscall"
)

// quickAck makes the kernel acknowledge what we read at once. vpcd sends a
// message's length and its payload as two small writes with Nagle's
// algorithm on, so the payload waits for the ACK of the length; a delayed
// ACK (~40 ms) on our side would then stall every APDU.
func quickAck(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
