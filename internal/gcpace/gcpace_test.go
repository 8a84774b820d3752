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

	restore := apply(env(nil), func() int64 { return 8 << 30 })
	if got := debug.SetGCPercent(-1); got != Percent {
		t.Errorf("GC percent = %d, want %d", got, Percent)
	}
	debug.SetGCPercent(Percent)
	if got := debug.SetMemoryLimit(-1); got != 4<<30 {
		t.Errorf("memory limit = %d, want half of 8 GiB", got)
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

func TestMemoryFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	meminfo := write("meminfo", "MemFree:         1000 kB\nMemTotal:       24576000 kB\n")
	if got := memTotal(meminfo); got != 24576000<<10 {
		t.Errorf("memTotal = %d", got)
	}
	if got := memTotal(write("bad", "MemTotal: lots kB\n")); got != 0 {
		t.Errorf("memTotal of a bad file = %d, want 0", got)
	}
	if got := memTotal(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("memTotal of a missing file = %d, want 0", got)
	}
	if got := cgroupLimit(write("max", "max\n")); got != 0 {
		t.Errorf("cgroupLimit(max) = %d, want 0", got)
	}
	if got := cgroupLimit(write("limit", "2147483648\n")); got != 2<<30 {
		t.Errorf("cgroupLimit = %d, want 2 GiB", got)
	}
}
