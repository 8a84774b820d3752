//go:build !unix

package jobs

import "os/exec"

// ownProcessGroup is a no-op where process groups do not exist: cancelling kills the first
// process only (exec.CommandContext's default).
func ownProcessGroup(cmd *exec.Cmd) {}
