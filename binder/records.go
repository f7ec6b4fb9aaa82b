package binder

import (
	"context"
	"encoding/json"
	"sync"
)

// Records returns every live record this identity can read, decoded.
func (b *Binder) Records(ctx context.Context) ([]*Record, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return checked(ctx, b, func() ([]*Record, error) { return b.liveRecords(ctx) })
}

// liveRecords decodes every live record in the index; b.mu is held.
func (b *Binder) liveRecords(ctx context.Context) ([]*Record, error) {
	var entries []indexed
	err := b.ix.Scan(prefixRecord, func(k string, v []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var e indexed
		if err := json.Unmarshal(v, &e); err != nil {
			return fixErr(Other, fix(ActionReindex, ""), "the index is only a cache: rebuilding it loses nothing", "index entry %s is unreadable", k)
		}
		if !e.Deleted && !e.Unreadable {
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Parsing is most of the work: spread it over the cores.
	out := make([]*Record, len(entries))
	errs := make([]error, len(entries))
	var wg sync.WaitGroup
	const chunk = 256
	for start := 0; start < len(entries); start += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				r, err := ParseRecord([]byte(entries[i].Text))
				if err != nil {
					errs[i] = err
					continue
				}
				r.Author, r.Path, r.Audience = entries[i].Author, entries[i].Path, entries[i].Audience
				out[i] = r
			}
		}(start, min(len(entries), start+chunk))
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fixErr(Other, fix(ActionReindex, ""), "the index is only a cache: rebuilding it loses nothing", "an index entry is unreadable: %v", err)
		}
	}
	return out, nil
}

// RecordsOf returns the live records of the kinds given that this
// identity can read, decoded: what a command that reads a few kinds
// needs, without decoding every record of the binder.
func (b *Binder) RecordsOf(ctx context.Context, kinds ...string) ([]*Record, error) {
	var out []*Record
	for _, k := range kinds {
		list, err := b.List(ctx, k)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			if s.Unreadable {
				continue
			}
			r, err := b.Get(ctx, s.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Titled returns the live records of kind as their summaries tell them:
// id, kind and title only, for naming what other records link to.
func (b *Binder) Titled(ctx context.Context, kind string) ([]*Record, error) {
	list, err := b.List(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := make([]*Record, 0, len(list))
	for _, s := range list {
		if !s.Unreadable {
			out = append(out, &Record{ID: s.ID, Kind: s.Kind, Title: s.Title, Rev: s.Rev, Updated: s.Updated, Author: s.Author})
		}
	}
	return out, nil
}
