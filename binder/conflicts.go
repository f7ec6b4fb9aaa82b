package binder

import (
	"context"
	"strings"
)

// Conflicted is a record with values two copies gave it differently, and
// both versions side by side.
type Conflicted struct {
	Summary
	Conflicts []FieldConflict `json:"conflicts"`
	Ours      *Record         `json:"-"` // the record as it stands (its fields hold our values)
	Theirs    *Record         `json:"-"` // the record with the other copy's values
}

// Conflicts lists the records with unresolved conflicts.
func (b *Binder) Conflicts(ctx context.Context) ([]Conflicted, error) {
	b.mu.Lock()
	ids, err := checked(ctx, b, func() ([]string, error) {
		var ids []string
		err := b.ix.ScanKeys(prefixConflict, func(k []byte) error {
			ids = append(ids, strings.TrimPrefix(string(k), prefixConflict))
			return nil
		})
		return ids, err
	})
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := []Conflicted{}
	for _, id := range ids {
		r, err := b.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		s, err := b.summaryOf(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, Conflicted{Summary: s, Conflicts: r.Conflicts, Ours: r, Theirs: theirVersion(r)})
	}
	return out, nil
}

func (b *Binder) summaryOf(ctx context.Context, id string) (Summary, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return checked(ctx, b, func() (Summary, error) {
		s, _ := b.summary(id)
		return s, nil
	})
}

// theirVersion is r with the other copy's value in each conflicting field
// (where copies gave a field several other values, the last listed).
func theirVersion(r *Record) *Record {
	t := r.Clone()
	for _, c := range r.Conflicts {
		key := c.Field
		if key != "title" && key != "body" {
			key = "fields." + key
		}
		setPart(t, key, c.Theirs)
	}
	t.Conflicts = nil
	return t
}

// ResolveConflicts settles a record's conflicts by taking one side's values for
// all of them ("ours": as it stands; "theirs": the other copy's) in a new
// revision.
func (b *Binder) ResolveConflicts(ctx context.Context, id, take string) (*Record, error) {
	r, err := b.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(r.Conflicts) == 0 {
		return nil, fixErr(Invalid, &Fix{Action: ActionConflicts}, "the conflicts list shows the records that have them", "record %s has no conflicts", r.ID)
	}
	var out *Record
	switch take {
	case "ours":
		out = r.Clone()
		out.Conflicts = nil
	case "theirs":
		if f := severalOthers(r.Conflicts); f != "" {
			return nil, fixErr(Invalid, &Fix{Action: ActionResolve, Record: r.ID, Field: f, Note: "write the value to keep in the record's file"}, "choose the value in an edited copy of the record",
				"resolve: field %s of record %s has values from more than one other copy", f, r.ID)
		}
		out = theirVersion(r)
	default:
		return nil, errorf(Invalid, "take ours or theirs, or resolve with an edited file", "resolve: %q is neither ours nor theirs", take)
	}
	return b.Update(ctx, out)
}

// severalOthers names a field the conflicts give more than one other value,
// or returns "".
func severalOthers(cs []FieldConflict) string {
	first := map[string]any{}
	for _, c := range cs {
		if v, ok := first[c.Field]; ok && !same(v, c.Theirs) {
			return c.Field
		} else if !ok {
			first[c.Field] = c.Theirs
		}
	}
	return ""
}
