package postgres

import "syscall"

// tcpUserTimeout is Linux's TCP_USER_TIMEOUT socket option, which package syscall lacks.
const tcpUserTimeout = 0x12

func setUserTimeout(network, _ string, c syscall.RawConn) error {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil // a Unix socket
	}
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(userTimeout.Milliseconds()))
	})
	if err != nil {
		return err
	}
	return serr
}
