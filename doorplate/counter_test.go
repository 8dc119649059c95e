package doorplate

import (
	"testing"
	"time"
)

// TestCounterDayIsChinaStandardTime checks scans count on the day in
// Beijing, and that the cached day name turns over at midnight there.
func TestCounterDayIsChinaStandardTime(t *testing.T) {
	c := newCounter()
	tests := []struct {
		utc, want string
	}{
		{"2026-12-01T15:59:59Z", "2026-12-01"},
		{"2026-12-01T16:00:00Z", "2026-12-02"},
		{"2026-12-02T03:00:00Z", "2026-12-02"},
		{"2026-12-01T10:00:00Z", "2026-12-01"}, // a clock set back
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.utc)
		if got := c.today(now); got != tt.want {
			t.Errorf("today(%s) = %s, want %s", tt.utc, got, tt.want)
		}
	}
}
