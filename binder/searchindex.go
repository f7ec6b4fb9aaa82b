package binder

import (
	"gobag/binder/internal/ranked"

	"bytes"
	"context"
	"encoding/binary"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The search index, in the encrypted local index, has two parts:
//
//   - the base: for each word, one value listing every record that held it
//     when the base was built, by a record number, with the word's weight
//     and the record's kind ("sb/WORD"); record numbers map to ids
//     ("sd/NUM" → ID, "sn/ID" → NUM);
//   - the changes since: one key per word and record saved since
//     ("t/WORD\x00ID" → weight, kind), and a mark on each base record that
//     has changed or gone since ("sx/NUM").
//
// A query reads each word's base list in one go and the few changes since;
// a save writes only changes. Rebuilding the index, and packing, builds a
// new base from every record and drops the changes.

// A query reads the changes since the base one key at a time, the base a
// list at a time; rebuilding the base reads every record. Packing
// (automatic, as after CLI saves) rebuilds it once the changes pass
// compactMin or a tenth of the records, whichever is more: a query never
// reads more than a few thousand keys, and the rebuild's cost is spread
// over as many saves as it costs.
const compactMin = 500

func postingKey(term, id string) string { return prefixPosting + term + "\x00" + id }

func docNumBytes(n uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	return string(b[:])
}

// baseDoc returns a record's number in the base, if it is there.
func (b *Binder) baseDoc(id string) (uint32, bool) {
	v, err := b.ix.Get(prefixDocNum + id)
	if err != nil || len(v) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(v), true
}

// searchChanges records in the index batch that old (as indexed) became r:
// a base record is marked changed, and the words r now holds are written as
// changes since the base.
func (x *indexer) searchChanges(old, r *Record, oldTerms, newTerms map[string]int) error {
	oldInChanges := old != nil
	if old != nil {
		if n, ok := x.b.baseDoc(old.ID); ok {
			dirty, _ := x.b.ix.Get(prefixDirty + docNumBytes(n))
			if dirty == nil {
				// Its words are in the base: mark it, nothing to delete.
				if err := x.batch.Set(prefixDirty+docNumBytes(n), []byte{}); err != nil {
					return err
				}
				x.changed++
				oldInChanges = false
			}
		}
	} else if !x.fresh {
		x.changed++ // a new record
	}
	if oldInChanges {
		for t := range oldTerms {
			if _, keep := newTerms[t]; !keep {
				if err := x.batch.Delete(postingKey(t, old.ID)); err != nil {
					return err
				}
			}
		}
	}
	k := kindIndex(r.Kind)
	for t, w := range newTerms {
		if err := x.batch.Set(postingKey(t, r.ID), []byte{byte(w), k}); err != nil {
			return err
		}
	}
	return nil
}

// changedSinceBase is how many records changed since the base was built.
func (b *Binder) changedSinceBase() int {
	v, _ := b.ix.Get(keyChanged)
	n, _ := strconv.Atoi(string(v))
	return n
}

// rebuildSearch builds a new base from every live record and drops the
// changes since the old one.
func (b *Binder) rebuildSearch(ctx context.Context) error {
	recs, err := b.liveRecords(ctx)
	if err != nil {
		return err
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	lists := map[string][]byte{}
	last := map[string]uint32{}
	for n, r := range recs {
		k := kindIndex(r.Kind)
		for t, w := range terms(r) {
			l := lists[t]
			prev, seen := last[t]
			delta := uint32(n)
			if seen {
				delta = uint32(n) - prev
			}
			l = binary.AppendUvarint(l, uint64(delta))
			lists[t] = append(l, byte(w), k)
			last[t] = uint32(n)
		}
	}
	batch := b.ix.NewBatch()
	defer batch.Cancel()
	// Drop what the new base replaces: old lists of words gone, numbers,
	// marks and changes.
	for _, p := range []string{prefixBase, prefixDocID, prefixDocNum, prefixDirty, prefixPosting} {
		err := b.ix.ScanKeys(p, func(key []byte) error {
			if p == prefixBase {
				if _, keep := lists[string(key[len(p):])]; keep {
					return nil
				}
			}
			return batch.Delete(string(key))
		})
		if err != nil {
			return err
		}
	}
	for t, l := range lists {
		if err := batch.Set(prefixBase+t, l); err != nil {
			return err
		}
	}
	for n, r := range recs {
		if err := batch.Set(prefixDocID+docNumBytes(uint32(n)), []byte(r.ID)); err != nil {
			return err
		}
		if err := batch.Set(prefixDocNum+r.ID, []byte(docNumBytes(uint32(n)))); err != nil {
			return err
		}
	}
	batch.Set(keyBaseDocs, []byte(strconv.Itoa(len(recs))))
	batch.Set(keyChanged, []byte("0"))
	return batch.Commit()
}

// compactSearch rebuilds the search index's base if enough records changed
// since it was built (or always, with force). Packing calls it.
func (b *Binder) compactSearch(ctx context.Context, force bool) error {
	if !force && b.changedSinceBase() < max(compactMin, b.count()/10) {
		return nil
	}
	return b.rebuildSearch(ctx)
}

// wordWeight is the score a word of weight w adds, before rarity.
var wordWeight = func() (t [256]float32) {
	for w := 1; w < 256; w++ {
		t[w] = float32(1 + math.Log(float64(w)))
	}
	return t
}()

// Hit is one search result.
type Hit struct {
	Summary
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet,omitempty"` // the first line that holds a query word
}

// Search finds the live records holding every word of query (the last
// word may be the start of a word, as typed so far), best first: a word
// counts more in the title than in a field, more in a field than in the
// body, and more the rarer it is. kind, if set, keeps only that kind;
// limit caps the number of hits (0 means 50).
func (b *Binder) Search(ctx context.Context, query, kind string, limit int) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	want := byte(255)
	if kind != "" {
		if _, ok := KindByName(kind); !ok {
			return nil, errorf(Invalid, "kinds: "+kindNamesList(), "unknown kind %q", kind)
		}
		want = kindIndex(kind)
	}
	if limit <= 0 {
		limit = 50
	}
	words := queryWords(query)
	if len(words) == 0 {
		return nil, errorf(Invalid, "search for a name, a number or a word of two letters or more", "nothing to search for in %q", query)
	}
	prefixLast := !strings.HasSuffix(query, " ")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changedSinceBase() >= staleBase {
		// A bulk save was stopped before it rebuilt the base: the records
		// it saved have no words yet.
		if err := b.rebuildSearch(ctx); err != nil {
			return nil, err
		}
	}
	return checked(ctx, b, func() ([]Hit, error) { return b.search(words, prefixLast, want, limit) })
}

// staleBase is the count of changes that marks the search base stale: a
// bulk save writes it before its words are in (indexer.bulk).
const staleBase = math.MaxInt32

// search runs a query of words (the last a prefix if prefixLast) for
// records of kind number want (255: any); b.mu is held.
func (b *Binder) search(words []string, prefixLast bool, want byte, limit int) ([]Hit, error) {
	n := float32(max(1, b.count()))
	v, err := b.ix.Get(keyBaseDocs)
	if err != nil {
		return nil, err
	}
	nBase, _ := strconv.Atoi(string(v))
	// Base records changed since: their base postings no longer count.
	stale := make([]bool, nBase)
	err = b.ix.ScanKeys(prefixDirty, func(key []byte) error {
		if d := binary.BigEndian.Uint32(key[len(prefixDirty):]); int(d) < nBase {
			stale[d] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	baseScore := make([]float32, nBase)
	baseWords := make([]uint8, nBase)
	changed := map[string]float32{}
	changedWords := map[string]int{}
	for i, w := range words {
		prefix := i == len(words)-1 && prefixLast
		wordBest := make([]float32, nBase)
		changedBest := map[string]float32{}
		// Base lists: one for the word, or one per word it starts.
		lists := map[string][]byte{}
		if prefix {
			err = b.ix.ScanBytes(prefixBase+w, func(key, val []byte) error {
				lists[string(key[len(prefixBase):])] = bytes.Clone(val)
				return nil
			})
		} else {
			var l []byte
			if l, err = b.ix.Get(prefixBase + w); l != nil {
				lists[w] = l
			}
		}
		if err != nil {
			return nil, err
		}
		// Changes since, by word.
		type change struct {
			id        string
			weight, k byte
		}
		changes := map[string][]change{}
		end := "\x00"
		if prefix {
			end = ""
		}
		err = b.ix.ScanBytes(prefixPosting+w+end, func(key, val []byte) error {
			sep := bytes.IndexByte(key, 0)
			if sep < 0 || len(val) != 2 {
				return nil
			}
			term := string(key[len(prefixPosting):sep])
			changes[term] = append(changes[term], change{string(key[sep+1:]), val[0], val[1]})
			return nil
		})
		if err != nil {
			return nil, err
		}
		// A word's rarity counts the records holding it in both parts.
		idf := func(term string) float32 {
			df := len(changes[term])
			for p := lists[term]; len(p) > 0; df++ {
				_, k := binary.Uvarint(p)
				if k <= 0 || len(p) < k+2 {
					break
				}
				p = p[k+2:]
			}
			return float32(math.Log(1 + float64(n)/float64(max(1, df))))
		}
		for term, l := range lists {
			f := idf(term)
			doc := uint32(0)
			for p, first := l, true; len(p) > 0; first = false {
				d, k := binary.Uvarint(p)
				if k <= 0 || len(p) < k+2 {
					return nil, fixErr(Other, fix(ActionReindex, ""), "the index is only a cache: rebuilding it loses nothing", "the search index is unreadable")
				}
				if first {
					doc = uint32(d)
				} else {
					doc += uint32(d)
				}
				wt, kd := p[k], p[k+1]
				p = p[k+2:]
				if int(doc) >= nBase || stale[doc] || (want != 255 && kd != want) {
					continue
				}
				if s := f * wordWeight[wt]; s > wordBest[doc] {
					wordBest[doc] = s
				}
			}
		}
		for term, cs := range changes {
			f := idf(term)
			for _, c := range cs {
				if want != 255 && c.k != want {
					continue
				}
				if s := f * wordWeight[c.weight]; s > changedBest[c.id] {
					changedBest[c.id] = s
				}
			}
		}
		for d, s := range wordBest {
			if s > 0 && int(baseWords[d]) == i {
				baseScore[d] += s
				baseWords[d]++
			}
		}
		for id, s := range changedBest {
			if changedWords[id] == i {
				changed[id] += s
				changedWords[id]++
			}
		}
	}
	// The best of each part, then of both.
	var cands []Hit
	for _, d := range topDocs(baseScore, baseWords, uint8(len(words)), limit) {
		id, err := b.ix.Get(prefixDocID + docNumBytes(d))
		if err != nil || id == nil {
			continue
		}
		cands = append(cands, Hit{Summary: Summary{ID: string(id)}, Score: float64(baseScore[d])})
	}
	for id, s := range changed {
		if changedWords[id] == len(words) {
			cands = append(cands, Hit{Summary: Summary{ID: id}, Score: float64(s)})
		}
	}
	for i := range cands {
		cands[i].Score = math.Round(cands[i].Score*1000) / 1000
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Score != cands[j].Score {
			return cands[i].Score > cands[j].Score
		}
		return cands[i].ID < cands[j].ID
	})
	out := cands[:0]
	for _, h := range cands {
		if len(out) == limit {
			break
		}
		s, ok := b.summary(h.ID)
		if !ok {
			continue
		}
		h.Summary = s
		h.Snippet = b.snippet(h.ID, words)
		out = append(out, h)
	}
	return out, nil
}

// topDocs returns the limit best base records that hold every word, best
// first (record numbers follow ids, so ties go by id). A heap keeps the
// best so far, its worst on top, so that a common word's thousands of
// matches are not all sorted.
func topDocs(score []float32, nwords []uint8, all uint8, limit int) []uint32 {
	worse := func(a, b uint32) bool { return score[a] < score[b] || (score[a] == score[b] && a > b) }
	h := ranked.New(worse)
	for d := range score {
		switch {
		case nwords[d] != all:
		case h.Len() < limit:
			h.Push(uint32(d))
		case worse(h.Peek(), uint32(d)):
			h.ReplaceTop(uint32(d))
		}
	}
	out := make([]uint32, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = h.Pop()
	}
	return out
}
