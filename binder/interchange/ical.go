package interchange

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"gobag/binder/readiness"
)

// Calendar is what WriteICal needs of the binder besides its dates.
type Calendar struct {
	Name        string // the binder's name
	Fingerprint string // the binder's, so that two binders' events never share a UID
	Now         time.Time
}

// WriteICal writes what falls due (readiness.Schedule) as an iCalendar
// (RFC 5545) of all-day events, each with an alarm a week before; what is
// overdue is on the day of the export, with an alarm that day. Each
// event's UID is made of the binder, the record and what falls due, never
// the date: importing the file again after a review moved a date updates
// the event instead of adding another.
func WriteICal(w io.Writer, cal Calendar, due []readiness.Due) error {
	var buf bytes.Buffer
	line := func(s string) { fold(&buf, s) }
	stamp := cal.Now.UTC().Format("20060102T150405Z")
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//gobag//continuity binder//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icalText(cal.Name+": continuity dates"))
	y, m, dd := cal.Now.Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, cal.Now.Location())
	seen := map[string]int{}
	for _, d := range due {
		// Two action items of one exercise may read the same: the second
		// is told apart by its place among them.
		key := eventUID(cal.Fingerprint, d, 0)
		n := seen[key]
		seen[key]++
		day, summary, trigger, alarm := d.Date, eventSummary(d), "-P7D", "In a week: "
		desc := eventDescription(d)
		if d.Date.Before(today) {
			// What is overdue is on today, where someone sees it, and
			// moves on with each export until it is done.
			day, summary, trigger, alarm = today, "Overdue: "+summary, "PT0S", ""
			desc = "Due on " + d.Date.Format(time.DateOnly) + ".\n" + desc
		}
		line("BEGIN:VEVENT")
		line("UID:" + eventUID(cal.Fingerprint, d, n))
		line("DTSTAMP:" + stamp)
		line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
		line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 1).Format("20060102"))
		line("SUMMARY:" + icalText(summary))
		line("DESCRIPTION:" + icalText(desc))
		line("CATEGORIES:" + icalText(d.What))
		line("TRANSP:TRANSPARENT")
		line("BEGIN:VALARM")
		line("ACTION:DISPLAY")
		line("TRIGGER:" + trigger)
		line("DESCRIPTION:" + icalText(alarm+summary))
		line("END:VALARM")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	_, err := w.Write(buf.Bytes())
	return err
}

// eventUID names an event for good: the binder, the record and what
// falls due (an action item by its text, and its place among those that
// read the same: nth), not its date.
func eventUID(fingerprint string, d readiness.Due, nth int) string {
	s := fingerprint + "\x00" + d.Record + "\x00" + d.What + "\x00" + d.Detail
	if nth > 0 {
		s += "\x00" + strconv.Itoa(nth)
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12]) + "@gobag"
}

var dueWords = map[string]string{
	readiness.DueReview:      "Review due",
	readiness.DueExercise:    "Exercise due",
	readiness.DueVerify:      "Check contact details",
	readiness.DueRestoreTest: "Restore test due",
	readiness.DueAction:      "Action item due",
	readiness.DueRotation:    "Rotate credential",
	readiness.DueImpact:      "Impact analysis due",
	readiness.DueTraining:    "Training due",
	readiness.DuePlanned:     "Exercise planned",
	readiness.DueRisk:        "Risk review due",
	readiness.DueDocument:    "Document review due",
	readiness.DuePolicy:      "Policy review due",
}

func eventSummary(d readiness.Due) string {
	head := dueWords[d.What]
	if head == "" {
		head = d.What
	}
	switch {
	case d.Detail != "" && d.Title != "":
		return head + ": " + d.Detail + " (" + d.Title + ")"
	case d.Title != "":
		return head + ": " + d.Title
	case d.Detail != "":
		return head + ": " + d.Detail
	}
	return head
}

func eventDescription(d readiness.Due) string {
	var parts []string
	if d.Fix != nil && d.Fix.Note != "" {
		parts = append(parts, strings.ToUpper(d.Fix.Note[:1])+d.Fix.Note[1:]+".")
	}
	if d.Record != "" {
		parts = append(parts, "Record "+d.Record+" in the binder.")
	}
	return strings.Join(parts, "\n")
}

// icalText escapes a TEXT value (RFC 5545 §3.3.11).
func icalText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", "").Replace(s)
}
