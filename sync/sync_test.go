package gitsync

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// endpoint is one remote to sync with, and what adding it takes.
type endpoint struct {
	url, accept, user, ca string
}

func (e endpoint) remote(name string) *Remote {
	return &Remote{Name: name, URL: e.url, User: e.user, CACert: e.ca}
}

// transports are the ways to reach a remote; every one runs the same
// tests (the conformance suite of conn).
var transports = []struct {
	name string
	// start starts what the transport needs and returns a function that
	// makes a new, empty remote on it.
	start func(t *testing.T, id *bcrypto.Identity) func() endpoint
}{
	{"local", func(t *testing.T, _ *bcrypto.Identity) func() endpoint {
		return func() endpoint { return endpoint{url: filepath.Join(t.TempDir(), "remote.git")} }
	}},
	{"ssh", func(t *testing.T, id *bcrypto.Identity) func() endpoint {
		s := startSSHD(t, id)
		return func() endpoint {
			path := filepath.Join(t.TempDir(), "remote.git")
			bareRepo(t, path)
			return endpoint{url: s.url(path), accept: s.fingerprint(t)}
		}
	}},
	{"http", func(t *testing.T, _ *bcrypto.Identity) func() endpoint {
		h := startHTTP(t, false)
		n := 0
		return func() endpoint {
			n++
			name := fmt.Sprintf("b%d.git", n)
			bareRepo(t, filepath.Join(h.root, name))
			return endpoint{url: h.url(name), user: httpUser}
		}
	}},
	{"https", func(t *testing.T, _ *bcrypto.Identity) func() endpoint {
		h := startHTTP(t, true)
		n := 0
		return func() endpoint {
			n++
			name := fmt.Sprintf("b%d.git", n)
			bareRepo(t, filepath.Join(h.root, name))
			return endpoint{url: h.url(name), user: httpUser, ca: h.caFile}
		}
	}},
}

func testOptions(id *bcrypto.Identity) Options {
	return Options{
		Identity:       id,
		Token:          func(*Remote) ([]byte, error) { return []byte(httpToken), nil },
		ConnectTimeout: 2 * time.Second,
		StallTimeout:   5 * time.Second,
	}
}

func newBinder(t *testing.T, id *bcrypto.Identity) *binder.Binder {
	t.Helper()
	b, err := binder.Create(context.Background(), filepath.Join(t.TempDir(), "binder"), id, "Example Statistics Office")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func addRemote(t *testing.T, b *binder.Binder, name string, e endpoint) {
	t.Helper()
	if _, err := AddRemote(context.Background(), b.Dir(), e.remote(name), AddOptions{AcceptHostKey: e.accept}); err != nil {
		t.Fatal(err)
	}
}

func mustSync(t *testing.T, b *binder.Binder, name string) *Report {
	t.Helper()
	rep, err := Sync(context.Background(), b, name, testOptions(b.Identity()))
	if err != nil {
		t.Fatalf("sync %s: %v", name, err)
	}
	return rep
}

func clone(t *testing.T, e endpoint, id *bcrypto.Identity, fp string) *binder.Binder {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	b, err := Clone(context.Background(), e.url, dir, id, CloneOptions{Options: testOptions(id), ExpectFingerprint: fp, AcceptHostKey: e.accept, Remote: e.remote("origin")})
	if err != nil {
		t.Fatalf("clone: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// contents is every live record's plaintext, less who saved it where.
func contents(t *testing.T, b *binder.Binder) map[string]string {
	t.Helper()
	ctx := context.Background()
	recs, err := b.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs {
		text, _ := r.Marshal()
		out[r.ID] = string(text)
	}
	return out
}

func sameCopies(t *testing.T, a, b *binder.Binder) {
	t.Helper()
	if a.Tip() != b.Tip() {
		t.Fatalf("tips differ: %s and %s", a.Tip(), b.Tip())
	}
	if ca, cb := contents(t, a), contents(t, b); !reflect.DeepEqual(ca, cb) {
		t.Fatalf("copies differ: %d and %d records", len(ca), len(cb))
	}
}

func add(t *testing.T, b *binder.Binder, r *binder.Record) *binder.Record {
	t.Helper()
	out, err := b.Add(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func edit(t *testing.T, b *binder.Binder, id string, f func(r *binder.Record)) {
	t.Helper()
	ctx := context.Background()
	r, err := b.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	f(r)
	if _, err := b.Update(ctx, r); err != nil {
		t.Fatal(err)
	}
}

// TestTransports runs the same sync scenario over every transport: push
// to an empty remote, clone from it, edits on both sides, a conflict,
// status.
func TestTransports(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			ctx := context.Background()
			id := newIdentity(t, "priya")
			newEndpoint := tr.start(t, id)
			e := newEndpoint()
			a := newBinder(t, id)
			x := add(t, a, &binder.Record{Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"location": "HQ"}})
			addRemote(t, a, "hub", e)
			if rep := mustSync(t, a, "hub"); !rep.Pushed {
				t.Fatalf("first sync did not push: %+v", rep)
			}
			// A clone of someone else's binder, or with a wrong
			// fingerprint, is refused and leaves nothing behind.
			bad := filepath.Join(t.TempDir(), "bad")
			_, err := Clone(ctx, e.url, bad, id, CloneOptions{Options: testOptions(id), ExpectFingerprint: "SHA256:not-this-one", AcceptHostKey: e.accept, Remote: e.remote("origin")})
			if binder.KindOf(err) != binder.BadSignature {
				t.Fatalf("clone with a wrong fingerprint: %v", err)
			}
			if _, err := os.Stat(bad); !os.IsNotExist(err) {
				t.Fatal("a refused clone left its directory")
			}
			b := clone(t, e, id, a.Fingerprint())
			sameCopies(t, a, b)

			// Apart: different records on each side.
			edit(t, a, x.ID, func(r *binder.Record) { r.Fields["organisation"] = "ICT" })
			y := add(t, b, &binder.Record{Kind: "note", Title: "Made on b"})
			mustSync(t, a, "hub")
			if rep := mustSync(t, b, "origin"); !rep.Merge.Merged || !rep.Pushed {
				t.Fatalf("b's sync: %+v", rep.Merge)
			}
			mustSync(t, a, "hub")
			sameCopies(t, a, b)
			if _, err := a.Get(ctx, y.ID); err != nil {
				t.Fatalf("b's record on a: %v", err)
			}
			// Apart: the same field changed differently.
			edit(t, a, x.ID, func(r *binder.Record) { r.Fields["location"] = "HQ, 3rd floor" })
			edit(t, b, x.ID, func(r *binder.Record) { r.Fields["location"] = "Data centre" })
			mustSync(t, a, "hub")
			if rep := mustSync(t, b, "origin"); len(rep.Merge.Conflicts) != 1 {
				t.Fatalf("conflicts: %+v", rep.Merge)
			}
			mustSync(t, a, "hub")
			sameCopies(t, a, b)
			cs, _ := a.Conflicts(ctx)
			if len(cs) != 1 || cs[0].Conflicts[0].Field != "location" {
				t.Fatalf("conflicts on a: %+v", cs)
			}
			// Status: in step, then one commit ahead.
			st, err := Status(ctx, a, true, 24*time.Hour, testOptions(id))
			if err != nil || len(st) != 1 || st[0].Ahead != 0 || st[0].Behind != 0 || st[0].Stale || st[0].LastError != "" {
				t.Fatalf("status in step: %+v %v", st, err)
			}
			if refs := run(t, a.Dir(), "git", "for-each-ref", "refs/gobag/incoming/"); refs != "" {
				t.Fatalf("status --fetch left a quarantine ref to unverified history: %s", refs)
			}
			add(t, a, &binder.Record{Kind: "note", Title: "not sent yet"})
			if st, _ = Status(ctx, a, false, 24*time.Hour, testOptions(id)); st[0].Ahead != 1 {
				t.Fatalf("status ahead: %+v", st[0])
			}
			rep, err := binder.Verify(ctx, b.Dir(), nil)
			if err != nil || !rep.OK() {
				t.Fatalf("verify b: %+v %v", rep, err)
			}
		})
	}
}

// The local transport is pure Go: it syncs with no git binary anywhere.
func TestLocalSyncNeedsNoGit(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	e := endpoint{url: filepath.Join(t.TempDir(), "usb", "binder.git")}
	addRemote(t, a, "usb", e)
	mustSync(t, a, "usb")
	b := clone(t, e, id, a.Fingerprint())
	add(t, b, &binder.Record{Kind: "note", Title: "two"})
	mustSync(t, b, "origin")
	mustSync(t, a, "usb")
	sameCopies(t, a, b)
}

func TestSSHHostKeyPinning(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	s := startSSHD(t, id)
	path := filepath.Join(t.TempDir(), "remote.git")
	bareRepo(t, path)
	a := newBinder(t, id)
	r := &Remote{Name: "offsite", URL: s.url(path)}
	fp := s.fingerprint(t)
	// First contact shows the fingerprint and pins nothing.
	_, err := AddRemote(ctx, a.Dir(), &Remote{Name: r.Name, URL: r.URL}, AddOptions{})
	if f := binder.FixOf(err); binder.KindOf(err) != binder.Permission || !strings.Contains(err.Error(), fp) ||
		f == nil || f.Action != binder.ActionAcceptHostKey || f.Value != fp || f.Remote != r.Name || f.URL != r.URL {
		t.Fatalf("unknown key: got %v (fix %+v)", err, binder.FixOf(err))
	}
	_, err = AddRemote(ctx, a.Dir(), &Remote{Name: r.Name, URL: r.URL}, AddOptions{AcceptHostKey: "SHA256:AAAAbogusfingerprint"})
	if binder.KindOf(err) != binder.BadSignature {
		t.Fatalf("wrong fingerprint: %v", err)
	}
	if rs, _ := Remotes(a.Dir()); len(rs) != 0 {
		t.Fatalf("a refused key left a remote: %+v", rs)
	}
	addRemote(t, a, "offsite", endpoint{url: r.URL, accept: fp})
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	mustSync(t, a, "offsite")
	// The server comes back with another key: refused, loudly.
	s.stop()
	s.newHostKey(t)
	s.start(t)
	add(t, a, &binder.Record{Kind: "note", Title: "two"})
	before := a.Tip()
	_, err = Sync(ctx, a, "offsite", testOptions(id))
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), "has CHANGED") {
		t.Fatalf("changed key: got %v", err)
	}
	if a.Tip() != before {
		t.Fatal("the local branch moved")
	}
	rs, _ := Remotes(a.Dir())
	if !strings.Contains(rs[0].LastError, "has CHANGED") {
		t.Fatalf("last error not recorded: %+v", rs[0])
	}
}

func TestOffline(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	opts := testOptions(id)
	opts.ConnectTimeout, opts.StallTimeout = time.Second, 2*time.Second

	t.Run("drive unplugged", func(t *testing.T) {
		a := newBinder(t, id)
		usb := filepath.Join(t.TempDir(), "usb")
		e := endpoint{url: filepath.Join(usb, "binder.git")}
		addRemote(t, a, "usb", e)
		mustSync(t, a, "usb")
		os.Rename(usb, usb+".away")
		r := add(t, a, &binder.Record{Kind: "note", Title: "made while the drive was away"})
		_, err := Sync(ctx, a, "usb", opts)
		if binder.KindOf(err) != binder.Offline {
			t.Fatalf("got %v; want Offline", err)
		}
		if _, err := a.Get(ctx, r.ID); err != nil {
			t.Fatal("local work lost")
		}
		os.Rename(usb+".away", usb)
		if rep := mustSync(t, a, "usb"); !rep.Pushed {
			t.Fatalf("the next sync: %+v", rep)
		}
	})
	t.Run("server down", func(t *testing.T) {
		need(t, "sshd")
		s := startSSHD(t, id)
		path := filepath.Join(t.TempDir(), "remote.git")
		bareRepo(t, path)
		a := newBinder(t, id)
		addRemote(t, a, "offsite", endpoint{url: s.url(path), accept: s.fingerprint(t)})
		mustSync(t, a, "offsite")
		s.stop()
		r := add(t, a, &binder.Record{Kind: "note", Title: "made offline"})
		_, err := Sync(ctx, a, "offsite", opts)
		if binder.KindOf(err) != binder.Offline {
			t.Fatalf("got %v; want Offline", err)
		}
		st, _ := Status(ctx, a, false, time.Hour, opts)
		if st[0].Ahead != 1 || !strings.Contains(st[0].LastError, "could not be reached") {
			t.Fatalf("status while offline: %+v", st[0])
		}
		s.start(t)
		mustSync(t, a, "offsite")
		if _, err := a.Get(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("server hangs", func(t *testing.T) {
		a := newBinder(t, id)
		port := silentServer(t)
		// A remote whose server accepts and then says nothing: the
		// connect timeout bounds the wait.
		url := fmt.Sprintf("ssh://git@127.0.0.1:%d/binder.git", port)
		start := time.Now()
		_, err := AddRemote(ctx, a.Dir(), &Remote{Name: "hung", URL: url}, AddOptions{ConnectTimeout: time.Second})
		if binder.KindOf(err) != binder.Offline {
			t.Fatalf("got %v; want Offline", err)
		}
		if waited := time.Since(start); waited > 20*time.Second {
			t.Fatalf("waited %v for a hung server", waited)
		}
		// A pinned remote that hangs mid-session: the stall timeout.
		h := startHTTP(t, false)
		bareRepo(t, filepath.Join(h.root, "b.git"))
		hub := endpoint{url: h.url("b.git"), user: httpUser}
		addRemote(t, a, "hub", hub)
		mustSync(t, a, "hub")
		rs, _ := Remotes(a.Dir())
		rs[0].URL = fmt.Sprintf("http://127.0.0.1:%d/b.git", silentServer(t))
		saveRemote(a.Dir(), rs[0])
		start = time.Now()
		_, err = Sync(ctx, a, "hub", opts)
		if binder.KindOf(err) != binder.Offline {
			t.Fatalf("got %v; want Offline", err)
		}
		if waited := time.Since(start); waited > 30*time.Second {
			t.Fatalf("waited %v for a hung server", waited)
		}
	})
}

// A remote that rewrote or rewound its history, or holds a commit no
// member signed, is refused and nothing local changes.
func TestRefusesBadRemoteHistory(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	e := endpoint{url: filepath.Join(t.TempDir(), "remote.git")}
	addRemote(t, a, "usb", e)
	mustSync(t, a, "usb")
	first := a.Tip()
	add(t, a, &binder.Record{Kind: "note", Title: "two"})
	mustSync(t, a, "usb")
	good := a.Tip()

	// Rewound: the remote's branch back at an older commit.
	if err := binder.MoveBranch(e.url, good, first); err != nil {
		t.Fatal(err)
	}
	_, err := Sync(ctx, a, "usb", testOptions(id))
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), "rewrote or rewound") {
		t.Fatalf("rewound remote: got %v", err)
	}
	if a.Tip() != good {
		t.Fatal("the local branch moved")
	}
	binder.MoveBranch(e.url, first, good)

	// A commit nobody in the roster signed, made with git on the remote.
	need(t, "git")
	tree := strings.TrimSpace(run(t, e.url, "git", "rev-parse", good+"^{tree}"))
	t.Setenv("GIT_COMMITTER_DATE", time.Now().Add(time.Hour).Format(time.RFC3339)) // after its parent's, as gobag's are
	forged := strings.TrimSpace(run(t, e.url, "git", "-c", "user.name=mallory", "-c", "user.email=m@x", "commit-tree", tree, "-p", good, "-m", "forged"))
	binder.MoveBranch(e.url, good, forged)
	_, err = Sync(ctx, a, "usb", testOptions(id))
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), forged[:12]) || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("forged commit: got %v", err)
	}
	if a.Tip() != good {
		t.Fatal("the local branch moved")
	}
}

// TestFaults cuts the connection in the middle of a push and of a fetch:
// nothing is lost, and the next sync completes.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	s := startSSHD(t, id)
	path := filepath.Join(t.TempDir(), "remote.git")
	bareRepo(t, path)
	p := startProxy(t, fmt.Sprintf("127.0.0.1:%d", s.port))
	viaProxy := endpoint{url: fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, p.port(), path), accept: s.fingerprint(t)}
	direct := endpoint{url: s.url(path), accept: s.fingerprint(t)}
	a := newBinder(t, id)
	addRemote(t, a, "hub", viaProxy)
	mustSync(t, a, "hub")
	b := clone(t, direct, id, a.Fingerprint())
	big := func(n int) string {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		var sb strings.Builder
		for sb.Len() < 300_000 {
			fmt.Fprintf(&sb, "%x\n", rng.Uint64())
		}
		return sb.String()
	}
	// Push cut short: a's big record stays local, the remote unchanged.
	r := add(t, a, &binder.Record{Kind: "note", Title: "big", Body: big(1)})
	remoteBefore, _ := binder.BranchTip(path)
	p.setCut(100_000)
	_, err := Sync(ctx, a, "hub", testOptions(id))
	if err == nil || p.cutCount() == 0 {
		t.Fatalf("push through a cut connection: %v (cuts %d)", err, p.cutCount())
	}
	if tip, _ := binder.BranchTip(path); tip != remoteBefore {
		t.Fatal("a cut push moved the remote's branch")
	}
	if _, err := a.Get(ctx, r.ID); err != nil {
		t.Fatal("local work lost")
	}
	p.setCut(0)
	mustSync(t, a, "hub")
	// Fetch cut short: b pushed directly; a's fetch through the proxy is
	// cut; a is unchanged; the next sync takes it in.
	mustSync(t, b, "origin")
	add(t, b, &binder.Record{Kind: "note", Title: "big from b", Body: big(2)})
	mustSync(t, b, "origin")
	before := a.Tip()
	cuts := p.cutCount()
	p.setCut(100_000)
	_, err = Sync(ctx, a, "hub", testOptions(id))
	if err == nil || p.cutCount() == cuts {
		t.Fatalf("fetch through a cut connection: %v", err)
	}
	if a.Tip() != before {
		t.Fatal("a cut fetch moved the local branch")
	}
	p.setCut(0)
	mustSync(t, a, "hub")
	sameCopies(t, a, b)
}

// TestOfflineEditingConverges has two copies edit offline over many
// rounds (random, seeded: the same and different records, adds, edits,
// deletes), syncing in between. After each round's syncs both copies are
// the same, and every value either side wrote is in the record or in its
// conflicts.
func TestOfflineEditingConverges(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	e := endpoint{url: filepath.Join(t.TempDir(), "remote.git")}
	addRemote(t, a, "usb", e)
	for i := range 6 {
		add(t, a, &binder.Record{Kind: "system", Title: fmt.Sprintf("System %d", i)})
	}
	mustSync(t, a, "usb")
	b := clone(t, e, id, a.Fingerprint())
	copies := map[string]*binder.Binder{"a": a, "b": b}
	fields := []string{"description", "site", "environment", "backup_method"}
	seed := uint64(20261127)
	rng := rand.New(rand.NewPCG(seed, 7))
	type write struct{ id, field, value string }
	for round := range 25 {
		var writes []write
		for _, side := range []string{"a", "b"} {
			c := copies[side]
			list, _ := c.List(ctx, "system")
			for op := range 1 + rng.IntN(4) {
				switch n := rng.IntN(10); {
				case n == 0 || len(list) < 3:
					r := add(t, c, &binder.Record{Kind: "system", Title: fmt.Sprintf("System %s%d.%d", side, round, op)})
					list = append(list, binder.Summary{ID: r.ID})
				case n == 1 && len(list) > 4:
					i := rng.IntN(len(list))
					gone := list[i].ID
					if err := c.Delete(ctx, gone); err != nil {
						t.Fatal(err)
					}
					// Its own earlier edits go with it (the other side's
					// edits win over the delete).
					writes = slices.DeleteFunc(writes, func(w write) bool { return w.id == gone && strings.HasPrefix(w.value, side) })
					list = slices.Delete(list, i, i+1)
				default:
					rec := list[rng.IntN(len(list))].ID
					f := fields[rng.IntN(len(fields))]
					v := fmt.Sprintf("%s round %d op %d", side, round, op)
					edit(t, c, rec, func(r *binder.Record) { r.Fields[f] = v })
					// Only a field's last write in a round can survive.
					writes = slices.DeleteFunc(writes, func(w write) bool { return w.id == rec && w.field == f && strings.HasPrefix(w.value, side) })
					writes = append(writes, write{rec, f, v})
				}
			}
		}
		mustSync(t, a, "usb")
		mustSync(t, b, "origin")
		mustSync(t, a, "usb")
		sameCopies(t, a, b)
		for _, w := range writes {
			r, err := a.Get(ctx, w.id)
			if err != nil {
				t.Fatalf("round %d (seed %d): record %s written by one side is gone: %v", round, seed, w.id, err)
			}
			kept := r.Fields[w.field] == w.value
			for _, c := range r.Conflicts {
				kept = kept || (c.Field == w.field && (c.Ours == w.value || c.Theirs == w.value))
			}
			if !kept {
				t.Fatalf("round %d (seed %d): %s of %s lost: got %v, conflicts %+v", round, seed, w.value, w.field, r.Fields[w.field], r.Conflicts)
			}
		}
		// Settle the round's conflicts on one side, as a user would.
		cs, _ := a.Conflicts(ctx)
		for _, c := range cs {
			if _, err := a.ResolveConflicts(ctx, c.ID, []string{"ours", "theirs"}[rng.IntN(2)]); err != nil {
				t.Fatal(err)
			}
		}
		mustSync(t, a, "usb")
		mustSync(t, b, "origin")
		sameCopies(t, a, b)
	}
	for _, c := range copies {
		rep, err := binder.Verify(ctx, c.Dir(), nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	}
}

// Two responders log the same incident offline: every entry of both is
// kept, and nothing conflicts.
func TestTimelinesNeverConflict(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	inc := add(t, a, &binder.Record{Kind: "incident", Title: "Power cut", Fields: map[string]any{"status": "open"}})
	e := endpoint{url: filepath.Join(t.TempDir(), "remote.git")}
	addRemote(t, a, "usb", e)
	mustSync(t, a, "usb")
	b := clone(t, e, id, a.Fingerprint())
	for i := range 3 {
		for side, c := range []*binder.Binder{a, b} {
			add(t, c, &binder.Record{Kind: "timeline", Title: fmt.Sprintf("entry %d from %d", i, side),
				Fields: map[string]any{"incident": inc.ID, "at": fmt.Sprintf("2026-11-27T10:%02d:%02dZ", i, side)}})
		}
	}
	mustSync(t, a, "usb")
	if rep := mustSync(t, b, "origin"); len(rep.Merge.Conflicts) != 0 {
		t.Fatalf("conflicts: %+v", rep.Merge)
	}
	mustSync(t, a, "usb")
	sameCopies(t, a, b)
	entries, err := a.Timeline(ctx, inc.ID)
	if err != nil || len(entries) != 6 || entries[0].Text != "entry 0 from 0" || entries[5].Text != "entry 2 from 1" {
		t.Fatalf("timeline %+v %v", entries, err)
	}
}

// A commit on the remote signed with a key that is not a member's is
// refused, naming the commit.
func TestRefusesNonMemberCommit(t *testing.T) {
	need(t, "git", "ssh-keygen")
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	e := endpoint{url: filepath.Join(t.TempDir(), "remote.git")}
	addRemote(t, a, "usb", e)
	mustSync(t, a, "usb")
	good := a.Tip()
	// Mallory signs a commit as git would, with her own SSH key.
	mallory := newIdentity(t, "mallory")
	key, _ := mallory.SSHPrivateKey()
	keyFile := filepath.Join(t.TempDir(), "mallory")
	os.WriteFile(keyFile, key, 0o600)
	tree := strings.TrimSpace(run(t, e.url, "git", "rev-parse", good+"^{tree}"))
	t.Setenv("GIT_COMMITTER_DATE", time.Now().Add(time.Hour).Format(time.RFC3339)) // after its parent's, as gobag's are
	forged := strings.TrimSpace(run(t, e.url, "git", "-c", "user.name=priya", "-c", "user.email=priya@gobag", "-c", "gpg.format=ssh",
		"-c", "user.signingkey="+keyFile, "commit-tree", "-S", tree, "-p", good, "-m", "looks fine"))
	binder.MoveBranch(e.url, good, forged)
	_, err := Sync(ctx, a, "usb", testOptions(id))
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), forged[:12]) || !strings.Contains(err.Error(), "not a member") {
		t.Fatalf("got %v; want a refusal naming %s", err, forged[:12])
	}
	if a.Tip() != good {
		t.Fatal("the local branch moved")
	}
}

// Ten responders sync with one remote at the same moment, as they do in
// an incident: every sync succeeds (the ones that lose the race back off
// and try again), and one more round brings every copy to the same
// history, with every record.
func TestManyCopiesSyncAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("ten copies")
	}
	id := newIdentity(t, "priya")
	origin := newBinder(t, id)
	e := endpoint{url: filepath.Join(t.TempDir(), "hub.git")}
	addRemote(t, origin, "hub", e)
	mustSync(t, origin, "hub")
	const n = 10
	copies := make([]*binder.Binder, n)
	for i := range copies {
		copies[i] = clone(t, e, id, origin.Fingerprint())
		add(t, copies[i], &binder.Record{Kind: "note", Title: fmt.Sprintf("from copy %d", i)})
	}
	round := func() []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, b := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = Sync(context.Background(), b, "origin", testOptions(id))
			}()
		}
		wg.Wait()
		return errs
	}
	for i, err := range round() {
		if err != nil {
			t.Errorf("copy %d, syncing at the same moment as the others: %v", i, err)
		}
	}
	round()
	for i, b := range copies {
		if got := len(contents(t, b)); got != n+1 {
			t.Errorf("copy %d has %d records; want %d", i, got, n+1)
		}
		if i > 0 && b.Tip() != copies[0].Tip() {
			t.Errorf("copy %d is at %s, copy 0 at %s", i, b.Tip(), copies[0].Tip())
		}
	}
}

// Starting over after losing the race stays within MaxTime: a remote
// whose branch another copy keeps locked (a shared drive's ref lock, held
// far longer than a sync) makes every push fail, and the sync gives up as
// Contended once another try could not finish in time, instead of going
// through all its tries (each waiting seconds for the lock, then backing
// off for longer and longer: a minute in all).
func TestRetriesStayWithinMaxTime(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a held lock")
	}
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	e := endpoint{url: filepath.Join(t.TempDir(), "usb.git")}
	addRemote(t, a, "usb", e)
	mustSync(t, a, "usb")
	add(t, a, &binder.Record{Kind: "note", Title: "not sent yet"})
	if err := os.WriteFile(filepath.Join(e.url, "refs", "heads", "main.lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(id)
	opts.MaxTime = time.Second
	start := time.Now()
	_, err := Sync(context.Background(), a, "usb", opts)
	took := time.Since(start)
	if binder.KindOf(err) != binder.Contended {
		t.Fatalf("got %v; want Contended", err)
	}
	// One try waits 5s for the lock; all ten, with their backoffs, took
	// a minute.
	if took > 20*time.Second {
		t.Fatalf("gave up after %s; want one try, not all of them", took)
	}
}

// An SSH server too busy to take another connection (sshd past its
// MaxStartups, when every responder syncs at once) closes it before the
// handshake: the sync waits a little and tries again, as after a lost
// push race, instead of failing as if the server were down.
func TestServerDroppingConnectionsIsTriedAgain(t *testing.T) {
	id := newIdentity(t, "priya")
	s := startSSHD(t, id)
	path := filepath.Join(t.TempDir(), "remote.git")
	bareRepo(t, path)
	p := startProxy(t, fmt.Sprintf("127.0.0.1:%d", s.port))
	a := newBinder(t, id)
	addRemote(t, a, "hub", endpoint{url: fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, p.port(), path), accept: s.fingerprint(t)})
	add(t, a, &binder.Record{Kind: "note", Title: "sent through a busy server"})
	p.dropNext(3)
	mustSync(t, a, "hub")
	if tip, _ := binder.BranchTip(path); tip != a.Tip() {
		t.Fatalf("the remote is at %q, the copy at %s", tip, a.Tip())
	}
}
