package interchange

import (
	"fmt"
	"slices"
	"strings"

	"gobag/binder"
)

// TeamsOf maps each contact's id to the titles of the teams among recs
// it is in (as lead, alternate lead, member, activation authority or
// successor).
func TeamsOf(recs []*binder.Record) map[string][]string {
	out := map[string][]string{}
	for _, t := range recs {
		if t.Kind != "team" || t.Deleted || t.Unreadable {
			continue
		}
		for _, id := range teamPeople(t) {
			if !slices.Contains(out[id], t.Title) {
				out[id] = append(out[id], t.Title)
			}
		}
	}
	return out
}

// teamPeople are the contacts a team names, lead first.
func teamPeople(t *binder.Record) []string {
	var ids []string
	add := func(id string) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	add(t.Link("lead"))
	add(t.Link("alternate_lead"))
	for _, id := range t.Links("members") {
		add(id)
	}
	add(t.Link("activation_authority"))
	for _, id := range t.Links("succession") {
		add(id)
	}
	return ids
}

// FindTeam is the team among recs called name (case aside) or whose id
// is or starts with it (4 characters at least); nil if none.
func FindTeam(recs []*binder.Record, name string) *binder.Record {
	name = strings.TrimSpace(name)
	for _, r := range recs {
		if r.Kind == "team" && strings.EqualFold(strings.TrimSpace(r.Title), name) {
			return r
		}
	}
	if len(name) >= 4 {
		for _, r := range recs {
			if r.Kind == "team" && strings.HasPrefix(r.ID, strings.ToLower(name)) {
				return r
			}
		}
	}
	return nil
}

// Contacts are the contacts among recs an export holds, in call-list
// order: all of them, or with team (a name or id) the team's people and
// their alternates.
func Contacts(recs []*binder.Record, team string) ([]*binder.Record, error) {
	byID := map[string]*binder.Record{}
	var contacts []*binder.Record
	for _, r := range recs {
		byID[r.ID] = r
		if r.Kind == "contact" && !r.Deleted && !r.Unreadable {
			contacts = append(contacts, r)
		}
	}
	if team != "" {
		t := FindTeam(recs, team)
		if t == nil {
			return nil, fmt.Errorf("no team %q (by name or id) among the records this export may hold", team)
		}
		var ids []string
		for _, id := range teamPeople(t) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			if c := byID[id]; c != nil {
				for _, alt := range c.Links("alternates") {
					if !slices.Contains(ids, alt) {
						ids = append(ids, alt)
					}
				}
			}
		}
		contacts = contacts[:0]
		for _, id := range ids {
			if c := byID[id]; c != nil && c.Kind == "contact" {
				contacts = append(contacts, c)
			}
		}
	}
	binder.SortCallList(contacts)
	return contacts, nil
}

// Cards are the vCards an export of recs holds: the contacts (with team,
// the team's people and their alternates), each with its teams as
// categories.
func Cards(recs []*binder.Record, team string) ([]Card, error) {
	contacts, err := Contacts(recs, team)
	if err != nil {
		return nil, err
	}
	teams := TeamsOf(recs)
	cards := make([]Card, 0, len(contacts))
	for _, r := range contacts {
		cards = append(cards, CardOf(r, teams[r.ID]))
	}
	return cards, nil
}

// Rows are the records of kind among recs a CSV export holds, in order
// (contacts as a call list, of team if given; others by title), and the
// columns it has by default.
func Rows(recs []*binder.Record, kind, team string) (rows []*binder.Record, cols []string, err error) {
	spec, _ := binder.KindByName(kind)
	if kind == "contact" {
		if rows, err = Contacts(recs, team); err != nil {
			return nil, nil, err
		}
		return rows, ContactColumns(rows), nil
	}
	for _, r := range recs {
		if r.Kind == kind && !r.Deleted && !r.Unreadable {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *binder.Record) int {
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	})
	return rows, KindColumns(spec), nil
}

// IncomingCards are the contacts cards read from file name make, each
// checked as a save checks it; a card that fails is a problem on its line.
func IncomingCards(cards []Card, name string) ([]Incoming, error) {
	var out []Incoming
	perr := &ParseError{Name: name}
	for _, c := range cards {
		r := c.Record()
		if err := r.Validate(); err != nil {
			perr.Problems = append(perr.Problems, Problem{Line: c.Line, Msg: fmt.Sprintf("%s: %v", c.Name, err)})
			continue
		}
		out = append(out, Incoming{Record: r, Line: c.Line, UID: c.UID, Alternates: c.Alternates})
	}
	if len(perr.Problems) > 0 {
		return nil, perr
	}
	return out, nil
}
