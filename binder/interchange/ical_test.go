package interchange

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"gobag/binder"
	"gobag/binder/bindertest"
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
)

func TestMain(m *testing.M) { bindertest.Main(m) }

// demoBinder is the demo binder, made in a temporary directory.
func demoBinder(t testing.TB) *binder.Binder {
	t.Helper()
	id, err := bcrypto.NewIdentity("manager")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := binder.Create(ctx, t.TempDir(), id, "Demo binder")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	recs, err := binder.DemoRecords(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Import(ctx, recs); err != nil {
		t.Fatal(err)
	}
	return b
}

func parseICal(t *testing.T, data []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("golang-ical: %v\n%s", err, data)
	}
	return cal
}

// Every date that falls due is an all-day event with an alarm a week
// before, as an independent parser reads it; exporting again after a date
// moved keeps each event's UID, so a calendar updates the event.
func TestICalEventsAreStableAndValid(t *testing.T) {
	b := demoBinder(t)
	ctx := context.Background()
	recs, err := b.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	due := readiness.Schedule(recs, now)
	if len(due) < 5 {
		t.Fatalf("the demo has %d dates; want several", len(due))
	}
	cal := Calendar{Name: b.Name(ctx), Fingerprint: b.Fingerprint(), Now: now}
	var buf bytes.Buffer
	if err := WriteICal(&buf, cal, due); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets", i+1, len(l))
		}
	}
	first := parseICal(t, buf.Bytes())
	events := first.Events()
	if len(events) != len(due) {
		t.Fatalf("%d events; want %d", len(events), len(due))
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	overdue := 0
	for _, d := range due {
		if d.Date.Before(today) {
			overdue++
		}
	}
	if overdue == 0 || overdue == len(due) {
		t.Fatalf("%d of %d dates overdue; the demo has both kinds", overdue, len(due))
	}
	uids := map[string]string{}
	for i, e := range events {
		uid := e.Id()
		if uid == "" || uids[uid] != "" {
			t.Fatalf("event %d: UID %q empty or repeated", i, uid)
		}
		start, err := e.GetAllDayStartAt()
		if err != nil {
			t.Fatal(err)
		}
		want, trigger := due[i].Date.Format(time.DateOnly), "-P7D"
		overdue := due[i].Date.Before(today)
		if overdue {
			want, trigger = today.Format(time.DateOnly), "PT0S"
		}
		if start.Format(time.DateOnly) != want {
			t.Errorf("event %d starts %s; want %s", i, start, want)
		}
		summary := e.GetProperty(ics.ComponentPropertySummary).Value
		if due[i].Title != "" && !strings.Contains(summary, due[i].Title) || overdue != strings.HasPrefix(summary, "Overdue: ") {
			t.Errorf("summary %q does not name %q, or say it is overdue (%v)", summary, due[i].Title, overdue)
		}
		alarms := e.Alarms()
		if len(alarms) != 1 || alarms[0].GetProperty(ics.ComponentPropertyTrigger).Value != trigger {
			t.Errorf("event %d: alarms %v; want one, %s", i, alarms, trigger)
		}
		uids[uid] = summary
	}

	// A plan is reviewed: its next review moves; its event keeps its UID.
	var plan *binder.Record
	for _, r := range recs {
		if r.Kind == "plan" {
			if _, ok := r.Date("next_review"); ok {
				plan = r
				break
			}
		}
	}
	if plan == nil {
		t.Fatal("no plan with a next review in the demo")
	}
	moved := plan.Clone()
	moved.Fields["next_review"] = now.AddDate(1, 0, 0).Format(time.DateOnly)
	if _, err := b.Update(ctx, moved); err != nil {
		t.Fatal(err)
	}
	recs, _ = b.Records(ctx)
	buf.Reset()
	if err := WriteICal(&buf, cal, readiness.Schedule(recs, now)); err != nil {
		t.Fatal(err)
	}
	second := parseICal(t, buf.Bytes())
	found := false
	for _, e := range second.Events() {
		summary := e.GetProperty(ics.ComponentPropertySummary).Value
		if _, ok := uids[e.Id()]; !ok {
			t.Errorf("event %q has a new UID after the date moved", summary)
		}
		if strings.Contains(summary, "Review due: "+plan.Title) {
			found = true
			start, _ := e.GetAllDayStartAt()
			if start.Format(time.DateOnly) != now.AddDate(1, 0, 0).Format(time.DateOnly) {
				t.Errorf("the review's event starts %s after the move", start)
			}
		}
	}
	if !found {
		t.Errorf("no review event for %q", plan.Title)
	}
}

func TestICalTextIsEscaped(t *testing.T) {
	var buf bytes.Buffer
	d := readiness.Due{What: readiness.DueAction, Date: time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC), Record: "eeeeeeeeeeeeeeeeeeeeeeeeee", Title: "Drill; fire, floor 2", Detail: "buy a new\nradio \\ charger"}
	if err := WriteICal(&buf, Calendar{Name: "A, B; C", Now: time.Now()}, []readiness.Due{d}); err != nil {
		t.Fatal(err)
	}
	cal := parseICal(t, buf.Bytes())
	e := cal.Events()[0]
	if got := e.GetProperty(ics.ComponentPropertySummary).Value; got != "Action item due: buy a new\nradio \\ charger (Drill; fire, floor 2)" {
		t.Errorf("summary %q", got)
	}
}

// Two action items that read the same are two events.
func TestICalSameTextTwoEvents(t *testing.T) {
	d := readiness.Due{What: readiness.DueAction, Record: "eeeeeeeeeeeeeeeeeeeeeeeeee", Title: "Drill", Detail: "Update the call list"}
	a, b := d, d
	a.Date = time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)
	b.Date = time.Date(2030, 3, 10, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := WriteICal(&buf, Calendar{Name: "B", Now: time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)}, []readiness.Due{a, b}); err != nil {
		t.Fatal(err)
	}
	evs := parseICal(t, buf.Bytes()).Events()
	if len(evs) != 2 || evs[0].Id() == evs[1].Id() {
		t.Fatalf("%d events, UIDs equal: %v", len(evs), len(evs) == 2 && evs[0].Id() == evs[1].Id())
	}
}
