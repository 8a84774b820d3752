//go:build unix

package function

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts the command in a process group of its own and makes cancelling it
// kill the whole group: a script's children (sh -c 'worker & wait') die with it instead of
// outliving a timed-out or stopped task.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
