package main

import (
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// takeTerminalForeground moves the server into a process group of its own
// and makes that group the terminal's foreground, so that Ctrl-C reaches the
// server alone. Without it, make receives the SIGINT too and exits with
// status 130 even though the server stopped cleanly; with it, `make run`
// ends with the server's own status. It does nothing unless we already own
// the foreground (not when started in the background or without a terminal).
// The returned function gives the foreground back.
func takeTerminalForeground() (restore func()) {
	noop := func() {}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return noop
	}
	fd := tty.Fd()
	orig, err := tcgetpgrp(fd)
	if err != nil || orig != syscall.Getpgrp() {
		tty.Close()
		return noop
	}
	// A background group that changes the foreground gets SIGTTOU.
	signal.Ignore(syscall.SIGTTOU)
	if err := syscall.Setpgid(0, 0); err != nil {
		tty.Close()
		return noop
	}
	if err := tcsetpgrp(fd, syscall.Getpgrp()); err != nil {
		syscall.Setpgid(0, orig)
		tty.Close()
		return noop
	}
	return func() {
		tcsetpgrp(fd, orig)
		tty.Close()
	}
}

func tcgetpgrp(fd uintptr) (int, error) {
	var pgrp int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
		return 0, errno
	}
	return int(pgrp), nil
}

func tcsetpgrp(fd uintptr, pgrp int) error {
	p := int32(pgrp)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPGRP, uintptr(unsafe.Pointer(&p))); errno != 0 {
		return errno
	}
	return nil
}
