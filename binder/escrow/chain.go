package escrow

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Chain is the audit entries of a tree, which a new entry must follow.
type Chain struct {
	byID      map[string]*Entry
	byHash    map[string]*Entry
	hashes    map[string]string   // id → hash
	files     map[string][]byte   // id → file
	followed  map[string]bool     // hashes some entry names in prev
	heads     map[string]bool     // hashes of entries no entry follows, approvals aside
	approvals map[string][]*Entry // request id → its approvals, as added
}

// NewChain returns an empty chain.
func NewChain() *Chain {
	return &Chain{byID: map[string]*Entry{}, byHash: map[string]*Entry{}, hashes: map[string]string{}, files: map[string][]byte{},
		followed: map[string]bool{}, heads: map[string]bool{}, approvals: map[string][]*Entry{}}
}

// Put adds an entry, parsed from file, without checking it against the
// others (Check does that first where it matters).
func (c *Chain) Put(e *Entry, file []byte) {
	h := Hash(file)
	if _, dup := c.byHash[h]; dup {
		return
	}
	c.byID[e.ID], c.byHash[h], c.hashes[e.ID], c.files[e.ID] = e, e, h, file
	for _, p := range e.Prev {
		c.followed[p] = true
		delete(c.heads, p)
	}
	if e.Action != ActionApprove && !c.followed[h] {
		c.heads[h] = true
	}
	if e.Action == ActionApprove {
		c.approvals[e.Request] = append(c.approvals[e.Request], e)
	}
}

// File returns the entry file of id.
func (c *Chain) File(id string) []byte { return c.files[id] }

// Len is the number of entries.
func (c *Chain) Len() int { return len(c.byID) }

// Get returns the entry of id.
func (c *Chain) Get(id string) (*Entry, bool) {
	e, ok := c.byID[id]
	return e, ok
}

// ByHash returns the entry of hash h.
func (c *Chain) ByHash(h string) (*Entry, bool) { e, ok := c.byHash[h]; return e, ok }

// HasHash reports whether the chain holds the entry of hash h.
func (c *Chain) HasHash(h string) bool { _, ok := c.byHash[h]; return ok }

// HashOf returns the hash of the entry of id.
func (c *Chain) HashOf(id string) string { return c.hashes[id] }

// Entries returns every entry in chain order: by seq, then time, then id.
func (c *Chain) Entries() []*Entry {
	out := make([]*Entry, 0, len(c.byID))
	for _, e := range c.byID {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return entryBefore(out[i], out[j]) })
	return out
}

// Heads returns the hashes of the entries no other entry follows,
// approvals aside, sorted: what a new entry (but an approval, which
// follows its request) names in prev. An approval is followed by the
// opening that uses it, if any.
func (c *Chain) Heads() []string {
	out := make([]string, 0, len(c.heads))
	for h := range c.heads {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// NextSeq is the seq of an entry following prev.
func (c *Chain) NextSeq(prev []string) int {
	seq := 0
	for _, h := range prev {
		if e, ok := c.byHash[h]; ok {
			seq = max(seq, e.Seq)
		}
	}
	return seq + 1
}

// Generation returns the entry that made generation gen of secret. Two
// copies apart may each have made one of the same number: the one of the
// lower id counts, the other is void (a merge says so).
func (c *Chain) Generation(secret string, gen int) (*Entry, bool) {
	var best *Entry
	for _, e := range c.byID {
		if e.Secret == secret && e.Generation == gen && (e.Action == ActionPut || e.Action == ActionRotate) && (best == nil || e.ID < best.ID) {
			best = e
		}
	}
	return best, best != nil
}

// Latest returns the latest generation's entry of secret (of two of one
// number, the one Generation counts).
func (c *Chain) Latest(secret string) (*Entry, bool) {
	top := 0
	for _, e := range c.byID {
		if e.Secret == secret && (e.Action == ActionPut || e.Action == ActionRotate) {
			top = max(top, e.Generation)
		}
	}
	if top == 0 {
		return nil, false
	}
	return c.Generation(secret, top)
}

// Approvals returns the approvals of a request, one per custodian (the
// first each gave), in chain order.
func (c *Chain) Approvals(request string) []*Entry {
	list := slices.Clone(c.approvals[request])
	sort.Slice(list, func(i, j int) bool { return entryBefore(list[i], list[j]) })
	var out []*Entry
	seen := map[string]bool{}
	for _, e := range list {
		if !seen[e.Actor] {
			seen[e.Actor] = true
			out = append(out, e)
		}
	}
	return out
}

// entryBefore is chain order: by seq, then time, then id.
func entryBefore(a, b *Entry) bool {
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	return a.ID < b.ID
}

// Check holds a new entry, of hash hash, to the chain it joins: every
// entry it follows is there, its seq is one more than theirs, its time
// not before theirs, and its action's rules hold (see docs/FORMAT.md
// §11). It does not check the signature or whether the actor is a
// member: the caller does, against the roster in force.
func (c *Chain) Check(e *Entry, hash string) error {
	if _, dup := c.byID[e.ID]; dup {
		return fmt.Errorf("audit entry %s is there already", e.ID)
	}
	seq := 0
	for _, h := range e.Prev {
		p, ok := c.byHash[h]
		if !ok {
			return fmt.Errorf("audit entry %s follows an entry that is not there (%.12s): one was removed, or it was made elsewhere", e.ID, h)
		}
		if e.Time.Before(p.Time) {
			return fmt.Errorf("audit entry %s is dated before entry %s it follows", e.ID, p.ID)
		}
		seq = max(seq, p.Seq)
	}
	if e.Seq != seq+1 {
		return fmt.Errorf("audit entry %s has seq %d, but follows seq %d", e.ID, e.Seq, seq)
	}
	return c.checkAction(e)
}

func (c *Chain) follows(e *Entry, id string) bool {
	return slices.Contains(e.Prev, c.hashes[id])
}

func (c *Chain) checkAction(e *Entry) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("audit entry %s (%s by %s): %s", e.ID, e.Action, e.Actor, fmt.Sprintf(format, args...))
	}
	switch e.Action {
	case ActionPut, ActionRotate:
		switch {
		case e.Secret == "" || e.Generation < 1 || len(e.Data) == 0:
			return bad("names no secret, generation or bundle")
		case len(e.Custodians) == 0 || e.Threshold < 1 || e.Threshold > len(e.Custodians):
			return bad("threshold %d of %d custodians", e.Threshold, len(e.Custodians))
		case len(e.Checks) != len(e.Custodians):
			return bad("%d share checks for %d custodians", len(e.Checks), len(e.Custodians))
		}
		if len(slices.Compact(slices.Sorted(slices.Values(e.Custodians)))) != len(e.Custodians) {
			return bad("a custodian listed twice")
		}
		if e.Action == ActionPut {
			if e.Generation != 1 {
				return bad("a secret's first generation is 1")
			}
			if _, ok := c.Latest(e.Secret); ok {
				return bad("the secret exists already")
			}
			return nil
		}
		prev, ok := c.Latest(e.Secret)
		if !ok || e.Generation != prev.Generation+1 {
			return bad("generation %d does not follow the secret's latest", e.Generation)
		}
	case ActionRequest:
		if _, ok := c.Generation(e.Secret, e.Generation); !ok {
			return bad("no generation %d of secret %s", e.Generation, e.Secret)
		}
		if len(e.Data) == 0 {
			return bad("gives no reason")
		}
	case ActionApprove:
		req, ok := c.byID[e.Request]
		switch {
		case !ok || req.Action != ActionRequest:
			return bad("approves no request there")
		case !c.follows(e, req.ID):
			return bad("does not follow the request it approves")
		case req.Secret != e.Secret || req.Generation != e.Generation || req.Actor != e.For:
			return bad("does not match request %s", req.ID)
		case len(e.Data) == 0:
			return bad("carries no share")
		}
		gen, ok := c.Generation(e.Secret, e.Generation)
		if !ok || !slices.Contains(gen.Custodians, e.Actor) {
			return bad("%s is not a custodian of this secret", e.Actor)
		}
		for _, a := range c.Approvals(e.Request) {
			if a.Actor == e.Actor {
				return bad("%s approved this request already", e.Actor)
			}
		}
	case ActionOpen:
		req, ok := c.byID[e.Request]
		if !ok || req.Action != ActionRequest || req.Actor != e.Actor || req.Secret != e.Secret || req.Generation != e.Generation || !c.follows(e, req.ID) {
			return bad("opens no request of its own")
		}
		gen, _ := c.Generation(e.Secret, e.Generation)
		n := 0
		for _, a := range c.Approvals(req.ID) {
			if c.follows(e, a.ID) {
				n++
			}
		}
		if gen == nil || n < gen.Threshold {
			return bad("follows %d approvals; the secret needs %d", n, gen.Threshold)
		}
	case ActionMember, ActionApprovePlan:
		if e.Subject == "" {
			return bad("names no subject")
		}
		if e.Action == ActionApprovePlan && len(strings.Fields(e.Subject)) != 2 {
			return bad("names no plan version")
		}
	}
	return nil
}
