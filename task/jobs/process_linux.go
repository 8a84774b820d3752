//go:build linux

package jobs

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts the command in a process group of its own and makes cancelling it
// kill the whole group. The job's first process also dies with the server (PDEATHSIG): a
// server killed with SIGKILL runs the job again after its restart, and the earlier copy
// must not go on beside it.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
