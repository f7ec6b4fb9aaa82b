package binder

import (
	"errors"
	"gobag/binder/roster"

	"gobag/binder/internal/gitstore"

	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	bcrypto "gobag/crypto"
)

// change is one record version to write: a record, or a tombstone.
type change struct {
	rec    *Record
	delete string // id to tombstone
	action string // add, edit, delete, merge
	// audience names who the version is encrypted to: all, a role, or
	// members' handles, comma-separated (roster.Audience). Empty keeps
	// the previous version's audience, and a new record's is all.
	audience string
	kind     string // the kind of the record a tombstone deletes
}

func (c change) id() string {
	if c.rec != nil {
		return c.rec.ID
	}
	return c.delete
}

// writeVersion writes the next version of a record: its ciphertext,
// encrypted to the members of its audience as ros resolves it, and its
// signed envelope, which follows prev (the current envelope, nil for a
// new record) and has revision rev (0: prev's plus one). It adds the
// blobs to changes and returns the record as indexed and its commit
// message line.
func (b *Binder) writeVersion(ros *roster.Roster, c change, prev []byte, rev int, now time.Time, changes map[string]plumbing.Hash) (*Record, string, error) {
	v, err := b.prepareVersion(ros, c, prev, rev, now)
	if err != nil {
		return nil, "", err
	}
	if err := v.store(b.git, changes); err != nil {
		return nil, "", err
	}
	return v.indexed, v.trailer, nil
}

// version is one record version ready to store: its files' content.
type version struct {
	id      string
	ct, env []byte // ct is nil for a tombstone
	indexed *Record
	trailer string
}

// store writes the version's blobs and adds them to changes.
func (v *version) store(g *gitstore.Store, changes map[string]plumbing.Hash) error {
	agePath, envPath := recordPath(v.id)
	changes[agePath] = plumbing.ZeroHash
	if v.ct != nil {
		h, err := g.PutBlob(v.ct)
		if err != nil {
			return err
		}
		changes[agePath] = h
	}
	h, err := g.PutBlob(v.env)
	if err != nil {
		return err
	}
	changes[envPath] = h
	return nil
}

// storeAll writes many versions' blobs at once (in one pack when there
// are many) and adds them to changes.
func storeAll(ctx context.Context, g *gitstore.Store, vs []*version, changes map[string]plumbing.Hash) error {
	var blobs [][]byte
	for _, v := range vs {
		if v.ct != nil {
			blobs = append(blobs, v.ct)
		}
		blobs = append(blobs, v.env)
	}
	hashes, err := g.PutBlobs(ctx, blobs)
	if err != nil {
		return err
	}
	i := 0
	for _, v := range vs {
		agePath, envPath := recordPath(v.id)
		changes[agePath] = plumbing.ZeroHash
		if v.ct != nil {
			changes[agePath] = hashes[i]
			i++
		}
		changes[envPath] = hashes[i]
		i++
	}
	return nil
}

// prepareVersion encrypts and signs the next version of a record (see
// writeVersion) without writing anything: safe to call from several
// goroutines at once.
func (b *Binder) prepareVersion(ros *roster.Roster, c change, prev []byte, rev int, now time.Time) (*version, error) {
	id := c.id()
	agePath, envPath := recordPath(id)
	env := &Envelope{ID: id, Rev: 1, Time: now}
	audience := c.audience
	if prev != nil {
		pe, err := ParseEnvelope(prev)
		if err != nil {
			return nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: %v", id, err)
		}
		if pe.Deleted {
			return nil, errorf(NotExist, "", "record %s was deleted", id)
		}
		if pe.Sealed {
			return nil, errorf(Permission, "append-only records are never changed: add a new entry that corrects it", "record %s is append-only", id)
		}
		env.Rev, env.Prev = pe.Rev+1, hashHex(prev)
		if audience == "" && len(pe.Audience) > 0 {
			audience = pe.Audience[0]
		}
	}
	if audience == "" {
		audience = roster.AudienceAll
	}
	names, err := roster.ParseAudience(audience)
	if err != nil {
		return nil, &Error{Kind: Invalid, Err: fmt.Errorf("record %s: %w", id, err), Hint: "an audience is all, a role (managers, custodians, responders, auditors) or members' handles, comma-separated"}
	}
	audience = strings.Join(names, ",")
	members, err := ros.Audience(names)
	if err != nil {
		return nil, &Error{Kind: Invalid, Err: fmt.Errorf("record %s: %w", id, err), Hint: "the roster lists the members and their roles"}
	}
	recipients, err := ros.Recipients(names)
	if err != nil {
		return nil, err
	}
	env.Audience = []string{audience}
	for _, m := range members {
		env.Audience = append(env.Audience, m.Handle)
	}
	if rev > 0 {
		env.Rev = rev
	}
	env.Kind = c.kind
	if c.rec != nil {
		env.Kind = c.rec.Kind
	}
	if c.rec != nil && prev == nil {
		spec, _ := KindByName(c.rec.Kind)
		env.Sealed = spec.AppendOnly
	}
	v := &version{id: id}
	if c.rec != nil {
		c.rec.Rev, c.rec.Updated = env.Rev, now
		plain, err := c.rec.Marshal()
		if err != nil {
			return nil, err
		}
		if len(plain) > MaxRecordBytes {
			return nil, errorf(Invalid, "keep large files outside the binder and name where they are in the record",
				"record %s is %d bytes; a record holds at most %d", id, len(plain), MaxRecordBytes)
		}
		if v.ct, err = bcrypto.Encrypt(plain, recipients...); err != nil {
			return nil, err
		}
		env.Ciphertext = hashHex(v.ct)
		c.rec.Author, c.rec.Path, c.rec.Deleted, c.rec.Audience = b.id.Handle, agePath, false, audience
		v.indexed = c.rec
	} else {
		env.Deleted = true
		v.indexed = &Record{ID: id, Kind: "deleted", Rev: env.Rev, Author: b.id.Handle, Path: envPath, Deleted: true, Updated: now}
	}
	env.sign(b.id)
	v.env = env.Marshal()
	v.trailer = fmt.Sprintf("Record: %s rev %d %s", id, env.Rev, c.action)
	return v, nil
}

// Add saves a new record and returns it as stored (with id, rev 1 and the
// update time filled in).
func (b *Binder) Add(ctx context.Context, r *Record) (*Record, error) {
	out, err := b.Import(ctx, []*Record{r})
	if len(out) == 0 {
		return nil, err
	}
	return out[0], err
}

// Import saves new records in one commit. A record may carry a Ref by
// which the others link to it ("@ref" in a link field) before it has an
// id; links are resolved to full ids (see resolveLinks).
func (b *Binder) Import(ctx context.Context, recs []*Record) ([]*Record, error) {
	return b.Save(ctx, recs, nil)
}

// Update saves a new revision of an existing record. If r.Rev is set it
// must be the current revision (the one the edit started from); otherwise
// the edit is refused as a conflict rather than overwriting a newer one.
func (b *Binder) Update(ctx context.Context, r *Record) (*Record, error) {
	out, err := b.Save(ctx, nil, []*Record{r})
	if len(out) == 0 {
		return nil, err
	}
	return out[0], err
}

// Save adds the new records adds (as Import) and saves new revisions of
// the existing records edits (as Update) in one commit: an import that
// also merges into records already there is saved whole or not at all.
// It returns the adds, then the edits, as stored; if the index is behind
// they come with ErrIndexBehind, saved.
func (b *Binder) Save(ctx context.Context, adds, edits []*Record) ([]*Record, error) {
	if n := len(adds) + len(edits); n > MaxSaveRecords {
		return nil, errorf(Invalid, fmt.Sprintf("split it into parts of at most %d records", MaxSaveRecords),
			"%d records in one save: at most %d are saved at once", n, MaxSaveRecords)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	var cs []change
	refs := map[string]target{}
	batch := map[string]target{}
	for _, in := range adds {
		r := in.Clone()
		if r.ID != "" {
			// Ids are random: one chosen by hand could carry a name into
			// the repository's plaintext paths.
			return nil, errorf(Invalid, "leave id out of a new record: one is assigned", "record: a new record cannot bring its own id (%s)", r.ID)
		}
		r.ID = NewID()
		if err := r.Validate(); err != nil {
			return nil, err
		}
		b.normalizePhones(r)
		if r.Rev > 1 {
			return nil, errorf(Invalid, "leave rev out of a new record", "record %s: a new record cannot have rev %d", r.ID, r.Rev)
		}
		if r.Ref != "" {
			if _, dup := refs[r.Ref]; dup {
				return nil, errorf(Invalid, "give each record of an import its own ref", "ref %q is used twice", r.Ref)
			}
			refs[r.Ref] = target{id: r.ID, kind: r.Kind}
		}
		batch[r.ID] = target{id: r.ID, kind: r.Kind}
		cs = append(cs, change{rec: r, action: "add", audience: r.Audience})
	}
	for _, c := range cs {
		if err := b.resolveLinks(c.rec, nil, refs, batch); err != nil {
			return nil, err
		}
	}
	edited := map[string]bool{}
	for _, r := range edits {
		nr, err := b.prepareEdit(ctx, r, refs, batch)
		if err != nil {
			return nil, err
		}
		if edited[nr.ID] {
			return nil, errorf(Invalid, "edit each record once", "record %s is edited twice in one save", nr.ID)
		}
		edited[nr.ID] = true
		cs = append(cs, change{rec: nr, action: "edit", audience: nr.Audience})
	}
	err := b.commit(ctx, cs)
	if err != nil && !errors.Is(err, ErrIndexBehind) {
		return nil, err
	}
	// Saved, even if the index is behind: the caller gets the records
	// (their ids) with the error.
	var out []*Record
	for _, c := range cs {
		out = append(out, c.rec)
	}
	return out, err
}

// prepareEdit checks an edit of an existing record against its current
// version and returns the new revision to save; links may name the
// records added in the same save (refs, batch).
func (b *Binder) prepareEdit(ctx context.Context, r *Record, refs, batch map[string]target) (*Record, error) {
	cur, err := b.get(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	nr := r.Clone()
	if nr.Kind == "" {
		nr.Kind = cur.Kind
	}
	if nr.Kind != cur.Kind {
		return nil, errorf(Invalid, "add a new record of the other kind instead", "record %s is a %s; its kind cannot change to %s", r.ID, cur.Kind, nr.Kind)
	}
	if spec, _ := KindByName(cur.Kind); spec.AppendOnly {
		return nil, errorf(Invalid, "add a new entry that corrects it", "record %s is a %s entry: entries are never changed once saved", r.ID, cur.Kind)
	}
	if nr.Rev != 0 && nr.Rev != cur.Rev {
		return nil, fixErr(Conflict, fix(ActionShow, r.ID), "redo the edit on the current version",
			"record %s is at rev %d, but this edit started from rev %d", r.ID, cur.Rev, nr.Rev)
	}
	if err := nr.Validate(); err != nil {
		return nil, err
	}
	b.normalizePhones(nr)
	if err := b.resolveLinks(nr, cur, refs, batch); err != nil {
		return nil, err
	}
	return nr, nil
}

// Delete tombstones a record: a signed envelope that says it was deleted.
func (b *Binder) Delete(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return err
	}
	cur, err := b.get(ctx, id)
	if KindOf(err) == CannotDecrypt {
		// A record this identity cannot read (restricted to others, or
		// damaged) can still be deleted: the tombstone needs only its kind.
		if e, ok := b.indexedEntry(id); ok && e.Unreadable {
			cur, err = &Record{ID: id, Kind: e.Kind}, nil
		}
	}
	if err != nil {
		return err
	}
	if cur.Kind == "binder" {
		return errorf(Invalid, "", "the binder's own settings record cannot be deleted")
	}
	if spec, _ := KindByName(cur.Kind); spec.AppendOnly {
		return errorf(Invalid, "add a new entry that corrects it", "record %s is a %s entry: entries are never deleted", id, cur.Kind)
	}
	return b.commit(ctx, []change{{delete: id, action: "delete", kind: cur.Kind}})
}

// catchUp brings the index up to the branch tip if something outside this
// process moved it (the git CLI, a crash before the index was updated), so
// that the checks before a save see the current records.
func (b *Binder) catchUp(ctx context.Context) error {
	tip, err := b.git.Head()
	if err != nil || tip == b.tip {
		return err
	}
	return b.refresh(ctx, nil)
}

// commit writes the changes as one signed commit, moves the branch, then
// updates the index.
// bulkSave is the number of records in one save from which they are
// encrypted in parallel and written in one pack.
const bulkSave = 64

func (b *Binder) commit(ctx context.Context, cs []change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Room for the index first: on a full disk the save is refused before
	// anything is written, rather than saved with the index left behind.
	if err := b.ix.Writable(); err != nil {
		return err
	}
	tip := b.tip
	parent, err := b.git.ReadCommit(tip)
	if err != nil {
		return err
	}
	now := clock().UTC().Truncate(time.Second)
	changes := map[string]plumbing.Hash{}
	prevs := make([][]byte, len(cs))
	for i, c := range cs {
		id := c.id()
		_, envPath := recordPath(id)
		prev, ok, err := b.git.ReadFile(parent.TreeHash, envPath)
		if err != nil {
			return err
		}
		if ok && c.action == "add" {
			return errorf(Conflict, "", "record %s already exists", id)
		}
		prevs[i] = prev
	}
	vs := make([]*version, len(cs))
	if len(cs) >= bulkSave {
		// An import: encrypt and sign on every core, and write the blobs
		// in one pack rather than thousands of loose objects.
		err = parallel(ctx, b.dir, len(cs), 64, func(_ *worker, i int) error {
			var err error
			vs[i], err = b.prepareVersion(b.roster, cs[i], prevs[i], 0, now)
			return err
		})
		if err == nil {
			err = storeAll(ctx, b.git, vs, changes)
		}
	} else {
		for i, c := range cs {
			if vs[i], err = b.prepareVersion(b.roster, c, prevs[i], 0, now); err != nil {
				break
			}
			if err = vs[i].store(b.git, changes); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	var trailers []string
	var indexed []*Record
	for _, v := range vs {
		indexed = append(indexed, v.indexed)
		trailers = append(trailers, v.trailer)
	}
	tree, err := b.git.ApplyTree(parent.TreeHash, changes)
	if err != nil {
		return err
	}
	msg := commitSubject(cs) + "\n\n" + strings.Join(trailers, "\n") + "\n"
	commit, err := writeCommit(b.git, tree, []plumbing.Hash{tip}, b.id, msg, now)
	if err != nil {
		return err
	}
	if err := b.git.SetHead(tip, commit); err != nil {
		return err
	}
	x := b.newIndexer(false)
	defer x.cancel()
	x.bulk = len(cs) >= bulkSave
	for _, r := range indexed {
		if err := x.put(r); err != nil {
			return indexBehind(commit, err)
		}
	}
	if err := x.commit(commit); err != nil {
		return indexBehind(commit, err)
	}
	b.tip = commit
	if x.bulk {
		if err := b.rebuildSearch(ctx); err != nil {
			return indexBehind(commit, err)
		}
	}
	if err := b.settle(ctx); err != nil {
		return indexBehind(commit, err)
	}
	return nil
}

// ErrIndexBehind means a change was saved (committed, the branch moved)
// but the index could not be updated: the change is safe, and the index
// catches up with the branch when the binder is next opened. Add, Import
// and Update return what they saved along with it.
var ErrIndexBehind = errors.New("saved, but the index is behind")

func indexBehind(commit plumbing.Hash, err error) error {
	return &Error{Kind: Other, Err: fmt.Errorf("%w (commit %s): %v", ErrIndexBehind, commit, err),
		Hint: "the change is saved; the index catches up with it when the binder is next opened", Fix: &Fix{Action: ActionReindex}}
}

func commitSubject(cs []change) string {
	if len(cs) == 1 {
		return fmt.Sprintf("gobag: %s 1 record", cs[0].action)
	}
	return fmt.Sprintf("gobag: %s %d records", cs[0].action, len(cs))
}

// Get returns a record by id or unique id prefix.
func (b *Binder) Get(ctx context.Context, idOrPrefix string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	id, err := b.resolve(ctx, idOrPrefix)
	if err != nil {
		return nil, err
	}
	return b.get(ctx, id)
}

// Resolve expands a unique id prefix (at least 4 characters) to a full id.
func (b *Binder) Resolve(ctx context.Context, idOrPrefix string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.resolve(ctx, idOrPrefix)
}

// resolve expands an id prefix among the index's records; b.mu is held.
func (b *Binder) resolve(ctx context.Context, p string) (string, error) {
	p = strings.ToLower(strings.TrimSpace(p))
	if ValidID(p) {
		return p, nil
	}
	if len(p) < 4 {
		return "", fixErr(Invalid, &Fix{Action: ActionList}, "give at least 4 characters of the id", "id %q is too short", p)
	}
	return checked(ctx, b, func() (string, error) { return b.resolveAmong(p, nil) })
}

// resolveAmong expands a prefix of at least 4 characters to the one id it
// starts, among the index's records and extra ids (records being saved).
func (b *Binder) resolveAmong(p string, extra []string) (string, error) {
	var found []string
	for _, id := range extra {
		if strings.HasPrefix(id, p) {
			found = append(found, id)
		}
	}
	err := b.ix.Scan(prefixRecord+p, func(k string, _ []byte) error {
		if id := strings.TrimPrefix(k, prefixRecord); !slices.Contains(found, id) {
			found = append(found, id)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	switch len(found) {
	case 0:
		return "", fixErr(NotExist, &Fix{Action: ActionList}, "the list shows the records and their ids", "no record %s", p)
	case 1:
		return found[0], nil
	}
	return "", errorf(Invalid, "give more characters of the id", "id prefix %s matches %d records", p, len(found))
}

func (b *Binder) get(ctx context.Context, id string) (*Record, error) {
	var e *indexed
	var ok bool
	err := b.authentic(ctx, func() error {
		e, ok = b.indexedEntry(id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fixErr(NotExist, &Fix{Action: ActionList}, "the list shows the records and their ids", "no record %s", id)
	}
	if e.Deleted {
		return nil, fixErr(NotExist, fix(ActionLog, id), "its history shows every version", "record %s was deleted (rev %d, by %s)", id, e.Rev, e.Author)
	}
	if e.Unreadable {
		return nil, errorf(CannotDecrypt, "a member of its audience can read it, or widen the audience to include you",
			"record %s (a %s) is for %s, and you are not in that audience", id, e.Kind, audienceWords(e.Audience))
	}
	r, err := ParseRecord([]byte(e.Text))
	if err != nil {
		return nil, fixErr(Other, fix(ActionReindex, ""), "the index is only a cache: rebuilding it loses nothing", "index entry of %s is unreadable: %v", id, err)
	}
	r.Author, r.Path, r.Audience = e.Author, e.Path, e.Audience
	return r, nil
}

// Summary is a record's listing entry.
type Summary struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Title   string    `json:"title"`
	Rev     int       `json:"rev"`
	Updated time.Time `json:"updated"`
	Author  string    `json:"author"`
	// Audience is who the record is encrypted to (all, a role, or
	// handles, comma-separated).
	Audience string `json:"audience,omitempty"`
	// Unreadable: this identity is not in the record's audience, so only
	// its id, kind and envelope are known (Title is empty).
	Unreadable bool `json:"unreadable,omitempty"`
}

// List returns the live records of kind (all visible kinds if kind is ""),
// ordered by kind, then title.
func (b *Binder) List(ctx context.Context, kind string) ([]Summary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if kind != "" {
		if _, ok := KindByName(kind); !ok {
			return nil, errorf(Invalid, "kinds: "+kindNamesList(), "unknown kind %q", kind)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out, err := checked(ctx, b, func() ([]Summary, error) { return b.list(kind) })
	if err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, k := range Kinds {
		order[k.Name] = i
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return order[out[i].Kind] < order[out[j].Kind]
		}
		if out[i].Title != out[j].Title {
			return out[i].Title < out[j].Title
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// list reads the listing entries of kind (all visible kinds if kind is
// ""); b.mu is held.
func (b *Binder) list(kind string) ([]Summary, error) {
	var out []Summary
	err := b.ix.Scan(prefixSummary, func(k string, v []byte) error {
		if kind != "" && !bytes.HasPrefix(v, []byte(kind+summarySep)) {
			return nil
		}
		s, ok := decodeSummary(strings.TrimPrefix(k, prefixSummary), v)
		if !ok {
			return fixErr(Other, fix(ActionReindex, ""), "the index is only a cache: rebuilding it loses nothing", "index is unreadable")
		}
		if kind == "" {
			if k, _ := KindByName(s.Kind); k.Hidden {
				return nil
			}
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// Name returns the binder's name, from its settings record.
func (b *Binder) Name(ctx context.Context) string {
	s, err := b.List(ctx, "binder")
	if err != nil || len(s) == 0 {
		return ""
	}
	return s[0].Title
}

// summarySep separates a listing entry's fields in the index. It cannot
// occur in a kind, a handle or a number, and is removed from titles.
const summarySep = "\x1f"

// encodeSummary is the index's listing entry: kind, title, rev, updated
// (Unix seconds), author, audience and "u" if this identity cannot read
// it. Compact, because list reads every one of them.
func encodeSummary(r *Record) []byte {
	title := strings.ReplaceAll(r.Title, summarySep, " ")
	unreadable := ""
	if r.Unreadable {
		unreadable = "u"
	}
	return []byte(strings.Join([]string{r.Kind, title, strconv.Itoa(r.Rev), strconv.FormatInt(r.Updated.Unix(), 10), r.Author, r.Audience, unreadable}, summarySep))
}

func decodeSummary(id string, v []byte) (Summary, bool) {
	f := strings.Split(string(v), summarySep)
	if len(f) != 7 {
		return Summary{}, false
	}
	rev, err1 := strconv.Atoi(f[2])
	sec, err2 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil {
		return Summary{}, false
	}
	return Summary{ID: id, Kind: f[0], Title: f[1], Rev: rev, Updated: time.Unix(sec, 0).UTC(), Author: f[4], Audience: f[5], Unreadable: f[6] == "u"}, true
}

// writeCommit writes a commit of tree with parents to g, made and
// SSH-signed by id.
func writeCommit(g *gitstore.Store, tree plumbing.Hash, parents []plumbing.Hash, id *bcrypto.Identity, msg string, when time.Time) (plumbing.Hash, error) {
	author := gitstore.Author{Name: id.Handle, Email: id.Handle + "@gobag"}
	return g.WriteCommit(tree, parents, author, msg, when, func(payload []byte) ([]byte, error) {
		return id.SignSSH(bcrypto.GitNamespace, payload)
	})
}

// audienceWords says who an audience is: "every member", "the managers",
// "ana, ben and the managers".
func audienceWords(audience string) string {
	names := strings.Split(audience, ",")
	var words []string
	for _, n := range names {
		switch {
		case n == roster.AudienceAll:
			return "every member"
		case slices.Contains(roster.Roles, n):
			words = append(words, "the "+n+"s")
		default:
			words = append(words, n)
		}
	}
	if !slices.Contains(names, roster.RoleManager) {
		words = append(words, "the managers")
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
