package binder

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Durations in records (RTO, RPO, MTD, backup intervals, step durations)
// are written as a whole number and a unit: "90m", "3h", "2d", "1w", or a
// sum of them, "1h30m". Days and weeks are 24 hours and 7 days: recovery
// objectives count elapsed time, not working days.

var durationUnits = []struct {
	suffix string
	d      time.Duration
}{
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
}

// ParseDuration reads a record duration such as "3h", "2d" or "1h30m".
func ParseDuration(s string) (time.Duration, error) {
	in := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "")
	if in == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := in
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 6 {
			return 0, fmt.Errorf("duration %q: write a number and a unit, such as 90m, 3h, 2d or 1w", s)
		}
		n, _ := strconv.Atoi(rest[:i])
		rest = rest[i:]
		found := false
		for _, u := range durationUnits {
			if strings.HasPrefix(rest, u.suffix) {
				total += time.Duration(n) * u.d
				rest = rest[len(u.suffix):]
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("duration %q: units are m (minutes), h (hours), d (days), w (weeks)", s)
		}
	}
	return total, nil
}

// FormatDuration writes d in the largest units that divide it, as
// ParseDuration reads: 3h, 1d12h, 45m.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	var b strings.Builder
	for _, u := range durationUnits {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.suffix)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "0m"
	}
	return b.String()
}
