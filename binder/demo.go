package binder

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gobag/assets"
)

// The demo binder's records are embedded as record files
// (assets/demo/NN-REF.md). A file links to another as "@REF", and writes
// dates relative to the day the demo is made as {{-6y}}, {{+4m}},
// {{-20m 08:10}} (a date and time), so that the demo's readiness report
// reads the same whenever it is made.

var relDate = regexp.MustCompile(`\{\{([+-])((?:\d+[ymwd])+)(?: (\d\d):(\d\d))?\}\}`)
var relPart = regexp.MustCompile(`(\d+)([ymwd])`)

// DemoRecords returns the demo binder's records as of now, each with its
// Ref, ready for Import.
func DemoRecords(now time.Time) ([]*Record, error) {
	names, err := fs.Glob(assets.Demo, "demo/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Record
	for _, n := range names {
		data, err := assets.Demo.ReadFile(n)
		if err != nil {
			return nil, err
		}
		text := relDate.ReplaceAllStringFunc(string(data), func(m string) string {
			return expandDate(m, now)
		})
		r, err := ParseRecord([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("demo %s: %w", n, err)
		}
		base := strings.TrimSuffix(path.Base(n), ".md")
		_, r.Ref, _ = strings.Cut(base, "-")
		out = append(out, r)
	}
	return out, nil
}

func expandDate(m string, now time.Time) string {
	g := relDate.FindStringSubmatch(m)
	sign := 1
	if g[1] == "-" {
		sign = -1
	}
	t := now.UTC()
	for _, p := range relPart.FindAllStringSubmatch(g[2], -1) {
		n, _ := strconv.Atoi(p[1])
		n *= sign
		switch p[2] {
		case "y":
			t = t.AddDate(n, 0, 0)
		case "m":
			t = t.AddDate(0, n, 0)
		case "w":
			t = t.AddDate(0, 0, 7*n)
		case "d":
			t = t.AddDate(0, 0, n)
		}
	}
	if g[3] == "" {
		return t.Format("2006-01-02")
	}
	h, _ := strconv.Atoi(g[3])
	mi, _ := strconv.Atoi(g[4])
	return time.Date(t.Year(), t.Month(), t.Day(), h, mi, 0, 0, time.UTC).Format(time.RFC3339)
}
