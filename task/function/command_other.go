//go:build !unix

package function

import "os/exec"

// ownProcessGroup is a no-op where process groups do not exist: cancelling kills the command
// only (exec.CommandContext's default).
func ownProcessGroup(cmd *exec.Cmd) {}
