//go:build unix && !linux

package jobs

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts the command in a process group of its own and makes cancelling it
// kill the whole group. Outside Linux there is no PDEATHSIG: a job outlives a server killed
// with SIGKILL.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
