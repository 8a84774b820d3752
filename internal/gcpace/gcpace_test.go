package gcpace

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestApplySetsTargetAndLimitAndRestores(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	beforeLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(beforeLimit)

	restore := apply(env(nil), func() int64 { return 4 << 30 })
	if got := debug.SetGCPercent(-1); got != Percent {
		t.Errorf("GC percent = %d, want %d", got, Percent)
	}
	debug.SetGCPercent(Percent)
	if got := debug.SetMemoryLimit(-1); got != 4<<30 {
		t.Errorf("memory limit = %d, want the soft limit, 4 GiB", got)
	}
	restore()
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("after restore GC percent = %d, want 100", got)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after restore memory limit = %d, want none", got)
	}
}

func TestApplyLeavesWhatTheEnvironmentChose(t *testing.T) {
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	beforeLimit := debug.SetMemoryLimit(1 << 40)
	defer debug.SetMemoryLimit(beforeLimit)

	restore := apply(env(map[string]string{"GOGC": "150", "GOMEMLIMIT": "1TiB"}), func() int64 { return 8 << 30 })
	defer restore()
	if got := debug.SetGCPercent(-1); got != 150 {
		t.Errorf("GC percent = %d, want the environment's 150", got)
	}
	debug.SetGCPercent(150)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("memory limit = %d, want the environment's", got)
	}
}

func TestApplyWithoutKnownMemorySetsNoLimit(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	beforeLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(beforeLimit)

	defer apply(env(nil), func() int64 { return 0 })()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit = %d, want none when the memory is unknown", got)
	}
}

func TestSoftLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	meminfo := write("meminfo", "MemFree:         1000 kB\nMemTotal:       24576000 kB\n")
	machineHalf := int64(24576000<<10) / 2

	// cgroup v2: the limit of an ancestor applies when the leaf has none.
	v2 := write("v2/self-cgroup", "0::/system.slice/stepflow.service\n")
	write("v2/fs/system.slice/stepflow.service/memory.max", "max\n")
	write("v2/fs/system.slice/memory.max", "2147483648\n")
	if got := softLimit(v2, filepath.Join(dir, "v2/fs"), meminfo); got != (2<<30)/10*9 {
		t.Errorf("v2 limit on a parent: soft limit %d, want 90%% of 2 GiB", got)
	}
	// cgroup v1's memory controller, "no limit" written as a huge number: half the machine.
	v1 := write("v1/self-cgroup", "12:cpu,cpuacct:/docker/abc\n7:memory:/docker/abc\n")
	write("v1/fs/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n")
	if got := softLimit(v1, filepath.Join(dir, "v1/fs"), meminfo); got != machineHalf {
		t.Errorf("v1 without a limit: soft limit %d, want half the machine", got)
	}
	write("v1/fs/memory/docker/abc/memory.limit_in_bytes", "1073741824\n")
	if got := softLimit(v1, filepath.Join(dir, "v1/fs"), meminfo); got != (1<<30)/10*9 {
		t.Errorf("v1 limit: soft limit %d, want 90%% of 1 GiB", got)
	}
	// A limit above the machine's memory is no limit.
	write("v1/fs/memory/docker/abc/memory.limit_in_bytes", "109951162777600\n")
	if got := softLimit(v1, filepath.Join(dir, "v1/fs"), meminfo); got != machineHalf {
		t.Errorf("limit above the machine: soft limit %d, want half the machine", got)
	}
	// No cgroup file, and no meminfo either.
	if got := softLimit(filepath.Join(dir, "missing"), dir, meminfo); got != machineHalf {
		t.Errorf("no cgroup: soft limit %d, want half the machine", got)
	}
	if got := softLimit(filepath.Join(dir, "missing"), dir, filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("nothing known: soft limit %d, want 0", got)
	}
	if got := memTotal(write("bad", "MemTotal: lots kB\n")); got != 0 {
		t.Errorf("memTotal of a bad file = %d, want 0", got)
	}
}
