package print

import (
	"fmt"
	"strings"

	"gobag/binder"
	"gobag/binder/programme"
)

// The printed parts of the programme around the plans: sites, risks, the
// action register, and the policy, requirements and documents.

func (w *bodyWriter) sites(ix *index) {
	ss := ix.byKind["site"]
	if len(ss) == 0 {
		return
	}
	w.section("Sites")
	hosts := map[string][]string{}
	for _, s := range ix.byKind["system"] {
		if id := s.Link("primary_site"); id != "" {
			hosts[id] = append(hosts[id], s.Title)
		}
		if id := s.Link("alternate_site"); id != "" {
			hosts[id] = append(hosts[id], s.Title+" (recovered here)")
		}
	}
	t := table{cols: []column{{title: "Site", frac: 2.6}, {title: "Role", frac: 1.6}, {title: "Where, how to get in", frac: 3.4}, {title: "Holds", frac: 1.6}, {title: "Hosts", frac: 3}}}
	for _, s := range ss {
		role := s.Text("role")
		if r := s.Text("readiness"); r != "" {
			role += ", " + r
		}
		if b := s.Link("backs_up"); b != "" {
			role += "\nfor " + ix.title(b)
			if km, ok := s.Int("distance_km"); ok {
				role += fmt.Sprintf(", %d km", km)
			}
		}
		var holds []string
		if n, ok := s.Int("capacity"); ok {
			holds = append(holds, fmt.Sprintf("%d systems", n))
		}
		if n, ok := s.Int("seats"); ok {
			holds = append(holds, fmt.Sprintf("%d seats", n))
		}
		where := strings.TrimSpace(s.Text("address") + "\n" + s.Text("access") + "\n" + ix.field(s, "contacts"))
		t.rows = append(t.rows, [][]span{styled(bold, s.Title), plain(role), plain(where), plain(strings.Join(holds, "\n")), plain(strings.Join(hosts[s.ID], "\n"))})
	}
	w.table(t)
}

func (w *bodyWriter) risks(ix *index) {
	rs := ix.byKind["risk"]
	if len(rs) == 0 {
		return
	}
	w.section("Risk register")
	var settings *binder.Record
	if s := ix.byKind["binder"]; len(s) > 0 {
		settings = s[0]
	}
	high := programme.HighFrom(settings)
	w.body(plain(fmt.Sprintf("Likelihood and impact from 1 to 5; the rating is their product, 1 to 25, high from %d. Worst residual risk first.", high)))
	w.space(4)
	rs = append([]*binder.Record(nil), rs...)
	programme.SortByResidual(rs)
	t := table{cols: []column{{title: "Risk", frac: 3}, {title: "Inherent", frac: 1.5}, {title: "Residual", frac: 1.5}, {title: "Treatment and controls", frac: 3.2}, {title: "Owner, review", frac: 1.8}, {title: "Answered by", frac: 2}}}
	for _, r := range rs {
		treat := strings.TrimSpace(r.Text("treatment") + "\n" + strings.Join(r.Strings("controls"), "\n"))
		if r.Text("treatment") == "" {
			treat = strings.TrimSpace("no treatment decided\n" + strings.Join(r.Strings("controls"), "\n"))
		}
		owner := strings.TrimSpace(ix.field(r, "owner") + "\n" + ix.field(r, "next_review"))
		t.rows = append(t.rows, [][]span{styled(bold, r.Title), plain(programme.Inherent(r).Words(high)), plain(programme.Residual(r).Words(high)), plain(treat), plain(owner), plain(ix.field(r, "plans"))})
	}
	w.table(t)
}

// actionRegister prints the action items still to be done, whichever
// record holds them.
func (w *bodyWriter) actionRegister(ix *index) {
	// Every record of the document: the owners are contacts.
	var recs []*binder.Record
	for _, rs := range ix.byKind {
		recs = append(recs, rs...)
	}
	all := programme.Actions(recs)
	open := programme.Filter{Open: true}.Apply(all)
	if len(all) == 0 {
		return
	}
	w.section("Action register")
	w.body(plain(fmt.Sprintf("The action items still to be done, from exercises, incidents, audits and risks: %d of %d. Tick each when done.", len(open), len(all))))
	w.space(4)
	t := table{cols: []column{{title: "", frac: 0.5, box: true}, {title: "Due", frac: 1.4}, {title: "Action", frac: 4.2}, {title: "Owner", frac: 2.2}, {title: "Status", frac: 1.4}, {title: "From", frac: 2.6}}}
	for _, a := range open {
		status := a.Status
		if a.Overdue(ix.src.Now) {
			status += ", overdue"
		}
		t.rows = append(t.rows, [][]span{plain(""), plain(a.Due), plain(a.Text), plain(a.Name), plain(status), plain(a.Kind + ": " + a.Title)})
	}
	if len(t.rows) == 0 {
		w.none("Every action item is done or dropped.")
		return
	}
	w.table(t)
}

// governance prints the policy, the requirements and the documents
// referenced, as far as the parts asked for hold them.
func (w *bodyWriter) governance(ix *index, policy, requirement, document bool) {
	if policy {
		for _, p := range ix.byKind["policy"] {
			w.section("Policy: " + p.Title)
			var facts []string
			for _, f := range []string{"status", "version", "owner", "approved_by", "approved_on", "next_review", "scope"} {
				if v := ix.field(p, f); v != "" {
					facts = append(facts, strings.ReplaceAll(f, "_", " ")+": "+v)
				}
			}
			for _, o := range p.Strings("objectives") {
				facts = append(facts, "objective: "+o)
			}
			w.body(plain(strings.Join(facts, "\n")))
			w.space(4)
			w.markdown(p.Body, 1)
		}
	}
	if rs := ix.byKind["requirement"]; requirement && len(rs) > 0 {
		w.section("Requirements")
		covered := map[string][]string{}
		for _, p := range ix.byKind["plan"] {
			for _, id := range p.Links("requirements") {
				covered[id] = append(covered[id], p.Title)
			}
		}
		t := table{cols: []column{{title: "Requirement", frac: 3.4}, {title: "Source, authority", frac: 3}, {title: "Terms", frac: 2.4}, {title: "Plans that meet it", frac: 3}}}
		for _, r := range rs {
			var terms []string
			for _, f := range []string{"max_rto", "max_rpo", "exercise_months", "review_months"} {
				if v := ix.field(r, f); v != "" {
					terms = append(terms, strings.ReplaceAll(f, "_", " ")+" "+v)
				}
			}
			who := strings.Join(covered[r.ID], "\n")
			if who == "" {
				who = "none"
			}
			t.rows = append(t.rows, [][]span{styled(bold, r.Title), plain(strings.TrimSpace(r.Text("type") + "\n" + r.Text("source") + "\n" + r.Text("authority"))), plain(strings.Join(terms, "\n")), plain(who)})
		}
		w.table(t)
	}
	if ds := ix.byKind["document"]; document && len(ds) > 0 {
		w.section("Documents kept elsewhere")
		t := table{cols: []column{{title: "Document", frac: 3}, {title: "Where", frac: 4.2}, {title: "Owner, reviewed", frac: 2.4}, {title: "About", frac: 2.4}}}
		for _, d := range ds {
			where := d.Text("location")
			if h := d.Text("sha256"); h != "" {
				where += "\nsha256 " + h
			}
			t.rows = append(t.rows, [][]span{styled(bold, d.Title), plain(where), plain(strings.TrimSpace(ix.field(d, "owner") + "\n" + ix.field(d, "reviewed"))), plain(ix.field(d, "about"))})
		}
		w.table(t)
	}
}
