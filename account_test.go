package diming_test

import (
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
)

func TestLoginPolicyBackOff(t *testing.T) {
	p := diming.DefaultLoginPolicy()
	tests := []struct {
		lockouts int
		want     time.Duration
	}{{0, time.Minute}, {1, 2 * time.Minute}, {2, 4 * time.Minute}, {5, 32 * time.Minute}, {6, time.Hour}, {60, time.Hour}}
	for _, tt := range tests {
		if got := p.LockFor(tt.lockouts); got != tt.want {
			t.Errorf("LockFor(%d) = %v, want %v", tt.lockouts, got, tt.want)
		}
	}
}

func TestLockedMessage(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	got := diming.LockedMessage(diming.Locked{Until: now.Add(4*time.Minute + 30*time.Second)}, now)
	if !strings.Contains(got, "北京时间 23:04:30") || !strings.Contains(got, "约 5 分钟") || !strings.Contains(got, "该账号") {
		t.Errorf("LockedMessage() = %q, want the Beijing time, the minutes and the account", got)
	}
}
