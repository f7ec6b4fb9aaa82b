package binder

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Link is one link between two records, by id.
type Link struct {
	Field string `json:"field"` // the field holding it; table.column for a table's column
	ID    string `json:"id"`    // the other record
	Kind  string `json:"kind,omitempty"`
	Title string `json:"title,omitempty"`
	// Missing marks a dangling link: there is no live record with this id.
	Missing bool `json:"missing,omitempty"`
}

// mapLinks calls fn for every link value in fields (per the kind's link
// fields, table columns included) and stores what fn returns in its place.
func mapLinks(spec KindSpec, fields map[string]any, fn func(f Field, field, value string) (string, error)) error {
	for _, f := range spec.Fields {
		switch f.Type {
		case TypeLink:
			if v, ok := fields[f.Name].(string); ok {
				nv, err := fn(f, f.Name, v)
				if err != nil {
					return err
				}
				fields[f.Name] = nv
			}
		case TypeLinkList:
			items, _ := fields[f.Name].([]any)
			for i, it := range items {
				if v, ok := it.(string); ok {
					nv, err := fn(f, f.Name, v)
					if err != nil {
						return err
					}
					items[i] = nv
				}
			}
		case TypeTable:
			rows, _ := tableRows(fields[f.Name])
			for _, row := range rows {
				for _, c := range f.Columns {
					if c.Type != TypeLink {
						continue
					}
					if v, ok := row[c.Name].(string); ok {
						nv, err := fn(c, f.Name+"."+c.Name, v)
						if err != nil {
							return err
						}
						row[c.Name] = nv
					}
				}
			}
		}
	}
	return nil
}

// OutLinks lists the links r holds, in the order of its kind's fields,
// without their targets' details.
func OutLinks(r *Record) []Link {
	spec, ok := KindByName(r.Kind)
	if !ok {
		return nil
	}
	var out []Link
	mapLinks(spec, r.Fields, func(_ Field, field, v string) (string, error) {
		out = append(out, Link{Field: field, ID: v})
		return v, nil
	})
	return out
}

// target is what link resolution needs to know of a record.
type target struct {
	id, kind string
}

// resolveLinks rewrites r's link values into full ids: @ref names a record
// of the same import (refs), a shorter value must be a unique id prefix.
// A new link must name a live record of a kind the field links to; links
// that the current revision (prev) already holds are kept even if their
// target has since gone, so that an edit never fails on someone else's
// delete.
func (b *Binder) resolveLinks(r, prev *Record, refs map[string]target, batch map[string]target) error {
	spec, _ := KindByName(r.Kind)
	kept := map[string]bool{}
	if prev != nil {
		for _, l := range OutLinks(prev) {
			kept[l.ID] = true
		}
	}
	return mapLinks(spec, r.Fields, func(f Field, field, v string) (string, error) {
		var t target
		switch {
		case strings.HasPrefix(v, refPrefix):
			var ok bool
			if t, ok = refs[v[1:]]; !ok {
				return "", errorf(Invalid, "refer to another record of the same import by its ref", "%s: field %s: no record %s in this import", r.Title, field, v)
			}
		case ValidID(v):
			if kept[v] {
				return v, nil
			}
			t = b.lookupTarget(batch, v)
			if t.id == "" {
				return "", fixErr(Invalid, &Fix{Action: ActionList}, "the list shows the records and their ids", "%s: field %s: no record %s", r.Title, field, v)
			}
		default:
			ids := make([]string, 0, len(batch))
			for id := range batch {
				ids = append(ids, id)
			}
			id, err := b.resolveAmong(v, ids)
			if err != nil {
				// A link to no record is bad input to the field.
				return "", &Error{Kind: Invalid, Err: fmt.Errorf("%s: field %s: %w", r.Title, field, err), Hint: HintOf(err)}
			}
			if kept[id] {
				return id, nil
			}
			if t = b.lookupTarget(batch, id); t.id == "" {
				return "", fixErr(Invalid, &Fix{Action: ActionList}, "the list shows the records and their ids", "%s: field %s: record %s was deleted", r.Title, field, id)
			}
		}
		if !slices.Contains(f.Targets, t.kind) {
			return "", errorf(Invalid, fmt.Sprintf("%s links to %s records", field, strings.Join(f.Targets, " or ")),
				"%s: field %s: %s is a %s, not a %s", r.Title, field, t.id, t.kind, strings.Join(f.Targets, " or "))
		}
		return t.id, nil
	})
}

// lookupTarget finds a live record by full id among the records being
// saved and then in the index.
func (b *Binder) lookupTarget(batch map[string]target, id string) target {
	if t, ok := batch[id]; ok {
		return t
	}
	if s, ok := b.summary(id); ok {
		return target{id: id, kind: s.Kind}
	}
	return target{}
}

// summary reads a live record's listing entry from the index.
func (b *Binder) summary(id string) (Summary, bool) {
	v, err := b.ix.Get(prefixSummary + id)
	if err != nil || v == nil {
		return Summary{}, false
	}
	return decodeSummary(id, v)
}

// backlinkKey is the index key saying that source links to target.
func backlinkKey(target, source, field string) string {
	return prefixBacklink + target + "/" + source + "/" + field
}

// Links returns what a record links to and what links to it, each with
// the other record's kind and title; links to records that do not exist
// (any more) are marked missing.
func (b *Binder) Links(ctx context.Context, id string) (to, from []Link, err error) {
	r, err := b.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	err = b.authentic(ctx, func() error {
		to, from, err = b.links(r)
		return err
	})
	return to, from, err
}

// links reads the summaries of what r links to and what links to r;
// b.mu is held.
func (b *Binder) links(r *Record) (to, from []Link, err error) {
	for _, l := range OutLinks(r) {
		if s, ok := b.summary(l.ID); ok {
			l.Kind, l.Title = s.Kind, s.Title
		} else {
			l.Missing = true
		}
		to = append(to, l)
	}
	err = b.ix.Scan(prefixBacklink+r.ID+"/", func(k string, _ []byte) error {
		rest := strings.TrimPrefix(k, prefixBacklink+r.ID+"/")
		source, field, _ := strings.Cut(rest, "/")
		l := Link{Field: field, ID: source}
		if s, ok := b.summary(source); ok {
			l.Kind, l.Title = s.Kind, s.Title
			from = append(from, l)
		}
		return nil
	})
	sort.SliceStable(from, func(i, j int) bool {
		if from[i].Kind != from[j].Kind {
			return from[i].Kind < from[j].Kind
		}
		return from[i].Title < from[j].Title
	})
	return to, from, err
}

// TimelineEntry is one entry of an incident's timeline.
type TimelineEntry struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// Timeline returns an incident's timeline entries in time order. The
// entries of one second (at has whole seconds) are in the order they were
// logged: by their x-seq (§3.2 of the format), then, for entries without
// one, by when they were saved.
func (b *Binder) Timeline(ctx context.Context, incident string) ([]TimelineEntry, error) {
	_, from, err := b.Links(ctx, incident)
	if err != nil {
		return nil, err
	}
	var out []TimelineEntry
	type order struct {
		seq   int64
		saved time.Time
	}
	orders := map[string]order{}
	for _, l := range from {
		if l.Kind != "timeline" {
			continue
		}
		r, err := b.Get(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		at, ok := r.Date("at")
		if !ok {
			at = r.Updated
		}
		out = append(out, TimelineEntry{ID: r.ID, At: at, Author: r.Author, Text: r.Title})
		seq, _ := r.Int("x-seq")
		orders[r.ID] = order{seq, r.Updated}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		// Those with an x-seq first, by it; then by when they were saved;
		// then by id, so that the order is the same every time.
		a, c := orders[out[i].ID], orders[out[j].ID]
		if (a.seq > 0) != (c.seq > 0) {
			return a.seq > 0
		}
		if a.seq != c.seq {
			return a.seq < c.seq
		}
		if !a.saved.Equal(c.saved) {
			return a.saved.Before(c.saved)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
