package binder

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/index"
)

// What the index keeps, by key (all of it encrypted at rest by Badger):
//
//	meta/version, meta/fingerprint, meta/tip, meta/count
//	rec/ID               the record as last indexed (indexed, JSON)
//	sum/ID               a live record's listing entry (encodeSummary)
//	lnk/TARGET/SOURCE/FIELD   SOURCE links to TARGET through FIELD
//	cf/ID                a live record with unresolved conflicts
//	sb/, sd/, sn/, sx/, t/     the search index (searchindex.go)

// indexed is a record as the index keeps it: its plaintext (so field types
// survive exactly) and what the envelope and repository say about it.
type indexed struct {
	Author  string    `json:"author"`
	Path    string    `json:"path"`
	Deleted bool      `json:"deleted,omitempty"`
	Rev     int       `json:"rev"`
	Updated time.Time `json:"updated"`
	Text    string    `json:"text,omitempty"`
	// For a record this identity cannot read: its kind and audience,
	// from the envelope (Text is empty).
	Unreadable bool   `json:"unreadable,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Audience   string `json:"audience,omitempty"`
}

// indexer writes records to the index in one batch, keeping the listing,
// links, search postings and the count of live records in step.
type indexer struct {
	b     *Binder
	batch *index.Batch
	fresh bool // the index was empty: no old entries to take out, no search words yet
	// bulk leaves the search words of what it puts to a rebuild of the
	// search base right after it commits (a save of many records): one
	// pass over every record instead of a key per word and record now and
	// their removal at the next rebuild.
	bulk    bool
	delta   int // change in the number of live records
	changed int // records changed since the search base was built
}

func (b *Binder) newIndexer(fresh bool) *indexer {
	return &indexer{b: b, batch: b.ix.NewBatch(), fresh: fresh}
}

func (x *indexer) cancel() { x.batch.Cancel() }

// testOnlyIndexFault, when set by a test, fails every index commit with
// it, as a full disk would.
var testOnlyIndexFault error

// put indexes one record as it now is: live, deleted (a tombstone), or
// gone from the tree (Deleted with no kind).
func (x *indexer) put(r *Record) error {
	if r.sameContent && !x.fresh && !r.Deleted {
		// The index is at the tip this version follows, and holds the
		// record as this identity read it there.
		return x.putEntry(r)
	}
	var old *Record
	if !x.fresh {
		old = x.b.indexedRecord(r.ID)
		if e, ok := x.b.indexedEntry(r.ID); ok && e.Unreadable && !e.Deleted {
			x.delta-- // counted, though it has no text to take out
		}
	}
	live := !r.Deleted
	if old != nil && r.Deleted && r.Rev > old.Rev {
		if spec, _ := KindByName(old.Kind); spec.AppendOnly {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: a %s entry is append-only, but rev %d deletes it", r.ID, old.Kind, r.Rev)
		}
	}
	if live && r.Kind == "binder" {
		if err := x.batch.Set(keyPhoneCountry, []byte(r.Text("phone_country"))); err != nil {
			return err
		}
	}
	var oldLinks, newLinks []Link
	var oldTerms, newTerms map[string]int
	words := !x.fresh && !x.bulk
	if old != nil {
		oldLinks = OutLinks(old)
		if words {
			oldTerms = terms(old)
		}
		x.delta--
	}
	if live {
		newLinks = OutLinks(r)
		if words {
			newTerms = terms(r)
		}
		x.delta++
	}
	for _, l := range oldLinks {
		if err := x.batch.Delete(backlinkKey(l.ID, old.ID, l.Field)); err != nil {
			return err
		}
	}
	for _, l := range newLinks {
		if err := x.batch.Set(backlinkKey(l.ID, r.ID, l.Field), nil); err != nil {
			return err
		}
	}
	switch {
	case x.fresh || x.bulk:
		// The search base is built from all records at the end.
	case live:
		if err := x.searchChanges(old, r, oldTerms, newTerms); err != nil {
			return err
		}
	case old != nil:
		if err := x.searchChanges(old, &Record{ID: r.ID}, oldTerms, nil); err != nil {
			return err
		}
	}
	switch {
	case live && len(r.Conflicts) > 0:
		if err := x.batch.Set(prefixConflict+r.ID, nil); err != nil {
			return err
		}
	case old != nil && len(old.Conflicts) > 0:
		if err := x.batch.Delete(prefixConflict + r.ID); err != nil {
			return err
		}
	}
	if r.Deleted && r.Kind == "" {
		// Gone from the tree entirely (or never known): drop it.
		if err := x.batch.Delete(prefixRecord + r.ID); err != nil {
			return err
		}
		return x.batch.Delete(prefixSummary + r.ID)
	}
	return x.putEntry(r)
}

// putEntry writes a record's own entry and listing entry (not its links
// or words).
func (x *indexer) putEntry(r *Record) error {
	live := !r.Deleted
	entry := indexed{Author: r.Author, Path: r.Path, Deleted: r.Deleted, Rev: r.Rev, Updated: r.Updated, Audience: r.Audience}
	if r.Unreadable {
		entry.Unreadable, entry.Kind = true, r.Kind
	} else if live {
		text, err := r.Marshal()
		if err != nil {
			return err
		}
		entry.Text = string(text)
	}
	data, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	if err := x.batch.Set(prefixRecord+r.ID, data); err != nil {
		return err
	}
	if !live {
		return x.batch.Delete(prefixSummary + r.ID)
	}
	return x.batch.Set(prefixSummary+r.ID, encodeSummary(r))
}

// commit applies the batch and records tip as indexed.
func (x *indexer) commit(tip plumbing.Hash) error {
	n := x.delta
	if !x.fresh {
		n += x.b.count()
	}
	x.batch.Set(keyCount, []byte(strconv.Itoa(max(0, n))))
	switch {
	case x.bulk:
		// Until the base is rebuilt, it is stale: should the rebuild not
		// happen (the process killed), the next pack rebuilds it.
		x.batch.Set(keyChanged, []byte(strconv.Itoa(staleBase)))
	case x.changed > 0:
		x.batch.Set(keyChanged, []byte(strconv.Itoa(x.b.changedSinceBase()+x.changed)))
	}
	x.batch.Set(keyTip, []byte(tip.String()))
	if testOnlyIndexFault != nil {
		x.batch.Cancel()
		return testOnlyIndexFault
	}
	return x.batch.Commit()
}

// indexedEntry reads a record's index entry.
func (b *Binder) indexedEntry(id string) (*indexed, bool) {
	data, err := b.ix.Get(prefixRecord + id)
	if err != nil || data == nil {
		return nil, false
	}
	var e indexed
	if json.Unmarshal(data, &e) != nil {
		return nil, false
	}
	return &e, true
}

// indexedText is a live record's plaintext as indexed.
func (b *Binder) indexedText(id string) (string, bool) {
	e, ok := b.indexedEntry(id)
	if !ok || e.Deleted || e.Unreadable {
		return "", false
	}
	return e.Text, true
}

// indexedRecord is a live record as indexed, or nil.
func (b *Binder) indexedRecord(id string) *Record {
	text, ok := b.indexedText(id)
	if !ok {
		return nil
	}
	r, err := ParseRecord([]byte(text))
	if err != nil {
		return nil
	}
	return r
}
