package gitsync

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// Hostile remotes: every test builds the attack for real (a zlib bomb, a
// delta bomb, deep trees, too many refs or objects), serves it the way a
// remote would (a directory, sshd, HTTP), and checks that the sync is
// refused as tampering before the work the attack asks for is done, and
// that it leaves the copy as it was: its branch, its records, and not
// one of the remote's objects.

// zlibOf compresses b as git stores an object.
func zlibOf(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// zeroBomb returns a zlib stream of a loose object whose header declares
// size bytes and that inflates to that many zero bytes, at about a
// thousandth of the size: one deflated run of zeros, repeated.
func zeroBomb(typ string, size int64) []byte {
	head := fmt.Sprintf("%s %d\x00", typ, size)
	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda})
	fw, _ := flate.NewWriter(&out, flate.BestCompression)
	fw.Write([]byte(head))
	fw.Flush()
	const run = 64 << 20
	var seg bytes.Buffer
	sw, _ := flate.NewWriter(&seg, flate.BestCompression)
	sw.Write(make([]byte, run))
	sw.Flush()
	for n := int64(0); n < size; n += run {
		out.Write(seg.Bytes()) // size is a multiple of run
	}
	out.Write([]byte{0x03, 0x00}) // the last, empty, block
	// Adler-32 of the header, then of size zeros: a stays, b grows by
	// size×a.
	a, b := uint64(1), uint64(0)
	for _, c := range []byte(head) {
		a = (a + uint64(c)) % 65521
		b = (b + a) % 65521
	}
	b = (b + uint64(size%65521)*a) % 65521
	binary.Write(&out, binary.BigEndian, uint32(b<<16|a))
	return out.Bytes()
}

// rawEntry is one object of a hand-made pack: whole (typ 1–4), or an
// offset delta (base ≥ 0, body the delta).
type rawEntry struct {
	typ  int
	body []byte
	base int
	name [20]byte // what the index calls it
}

func whole(typ int, t string, body []byte) rawEntry {
	return rawEntry{typ: typ, body: body, base: -1, name: objectName(t, body)}
}

func objectName(t string, body []byte) [20]byte {
	return sha1.Sum(append([]byte(fmt.Sprintf("%s %d\x00", t, len(body))), body...))
}

// packOf encodes entries as a pack stream, declaring count objects
// (len(entries) if 0), and returns it with each entry's offset and CRC.
func packOf(entries []rawEntry, count int) ([]byte, []int64, []uint32) {
	if count == 0 {
		count = len(entries)
	}
	var p bytes.Buffer
	p.Write([]byte{'P', 'A', 'C', 'K', 0, 0, 0, 2})
	binary.Write(&p, binary.BigEndian, uint32(count))
	offs := make([]int64, len(entries))
	crcs := make([]uint32, len(entries))
	for i, e := range entries {
		offs[i] = int64(p.Len())
		typ := e.typ
		if e.base >= 0 {
			typ = 6
		}
		size := len(e.body)
		h := []byte{byte(typ<<4) | byte(size&15)}
		for size >>= 4; size > 0; size >>= 7 {
			h[len(h)-1] |= 0x80
			h = append(h, byte(size&0x7f))
		}
		if e.base >= 0 {
			rel := offs[i] - offs[e.base]
			o := []byte{byte(rel & 0x7f)}
			for rel >>= 7; rel > 0; rel >>= 7 {
				rel--
				o = append([]byte{0x80 | byte(rel&0x7f)}, o...)
			}
			h = append(h, o...)
		}
		p.Write(h)
		p.Write(zlibOf(e.body))
		crcs[i] = crc32.ChecksumIEEE(p.Bytes()[offs[i]:])
	}
	sum := sha1.Sum(p.Bytes())
	p.Write(sum[:])
	return p.Bytes(), offs, crcs
}

// storePack writes entries as a pack and its version 2 index into the
// repository at repo, as if git had put it there.
func storePack(t *testing.T, repo string, entries []rawEntry) {
	t.Helper()
	data, offs, crcs := packOf(entries, 0)
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return bytes.Compare(entries[order[a]].name[:], entries[order[b]].name[:]) < 0 })
	var x bytes.Buffer
	x.Write([]byte{0xff, 't', 'O', 'c', 0, 0, 0, 2})
	var fan [256]uint32
	for _, e := range entries {
		fan[e.name[0]]++
	}
	var total uint32
	for _, n := range fan {
		total += n
		binary.Write(&x, binary.BigEndian, total)
	}
	for _, i := range order {
		x.Write(entries[i].name[:])
	}
	for _, i := range order {
		binary.Write(&x, binary.BigEndian, crcs[i])
	}
	for _, i := range order {
		binary.Write(&x, binary.BigEndian, uint32(offs[i]))
	}
	x.Write(data[len(data)-20:])
	xs := sha1.Sum(x.Bytes())
	x.Write(xs[:])
	base := filepath.Join(repo, "objects", "pack", fmt.Sprintf("pack-%x", data[len(data)-20:]))
	if err := os.WriteFile(base+".pack", data, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".idx", x.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
}

// deltaBomb is a delta of a few kilobytes that makes, from a base of
// baseSize bytes, an object of copies×(16 MiB − 1) bytes: 64 GiB for
// 4096 copies.
func deltaBomb(baseSize, copies int) []byte {
	const piece = 1<<24 - 1
	d := binary.AppendUvarint(nil, uint64(baseSize))
	d = binary.AppendUvarint(d, uint64(copies)*piece)
	for range copies {
		d = append(d, 0x80|0x10|0x20|0x40, 0xff, 0xff, 0xff) // copy 16 MiB − 1 from offset 0
	}
	return d
}

// bombEntries are a 16 MiB base blob and a 64 GiB delta on it, which the
// index calls bomb.
func bombEntries() (entries []rawEntry, bomb [20]byte) {
	const baseSize = binder.MaxObjectBytes
	bomb = sha1.Sum([]byte("the object a delta bomb claims to be"))
	return []rawEntry{
		whole(3, "blob", make([]byte, baseSize)),
		{body: deltaBomb(baseSize, 4096), base: 0, name: bomb},
	}, bomb
}

// hostileTip commits, in the remote repository repo, a tree made by
// git mktree from lines (objects need not be there) on top of its
// branch, moves the branch there and returns the commit.
func hostileTip(t *testing.T, repo, lines string) (commit, tree string) {
	t.Helper()
	cmd := gitCmdIn(repo, "mktree", "--missing")
	cmd.Stdin = strings.NewReader(lines)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git mktree: %v", err)
	}
	tree = strings.TrimSpace(string(out))
	parent := strings.TrimSpace(run(t, repo, "git", "rev-parse", "refs/heads/main"))
	commit = strings.TrimSpace(run(t, repo, "git", "-c", "user.name=mallory", "-c", "user.email=m@x", "commit-tree", tree, "-p", parent, "-m", "hostile"))
	run(t, repo, "git", "update-ref", "refs/heads/main", commit)
	return commit, tree
}

// copyState is what a refused sync must leave as it was.
type copyState struct {
	tip     string
	records map[string]string
}

func stateOf(t *testing.T, b *binder.Binder) copyState {
	return copyState{b.Tip(), contents(t, b)}
}

// refusedCleanly checks that err is a refusal for a bound (the kind the
// CLI exits 6 for), that b is as it was, that no quarantine or incoming
// ref is left, and that none of the objects absent names reached it.
func refusedCleanly(t *testing.T, b *binder.Binder, before copyState, err error, absent ...string) {
	t.Helper()
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("got %v (kind %v); want a refusal for a limit (kind %v)", err, binder.KindOf(err), binder.BadSignature)
	}
	if binder.HintOf(err) == "" {
		t.Fatalf("refusal %v says nothing of what to do", err)
	}
	if got := stateOf(t, b); !reflect.DeepEqual(got, before) {
		t.Fatalf("after the refusal the copy is at %s with %d records; want %s with %d", got.tip, len(got.records), before.tip, len(before.records))
	}
	if refs := run(t, b.Dir(), "git", "for-each-ref"); strings.Contains(refs, "incoming") {
		t.Fatalf("incoming ref left after a refusal:\n%s", refs)
	}
	if ents, _ := os.ReadDir(binder.LocalPath(b.Dir(), "incoming")); len(ents) > 0 {
		t.Fatalf("quarantine left after a refusal: %v", ents)
	}
	for _, h := range absent {
		if err := gitCmdIn(b.Dir(), "cat-file", "-e", h).Run(); err == nil {
			t.Fatalf("object %s of a refused sync is in the binder", h)
		}
	}
	if out, err := gitCmdIn(b.Dir(), "fsck", "--no-dangling").CombinedOutput(); err != nil {
		t.Fatalf("git fsck after the refusal: %v\n%s", err, out)
	}
}

// allocatedDuring is how many bytes f allocates on the heap.
func allocatedDuring(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// A loose object of 2 MB on a drive that inflates to 2 GiB is refused
// from its header: the sync allocates a few megabytes, not gigabytes.
func TestLooseZlibBombIsRefused(t *testing.T) {
	need(t, "git")
	id := newIdentity(t, "priya")
	path := filepath.Join(t.TempDir(), "usb.git")
	a := syncedTo(t, id, "usb", endpoint{url: path})
	before := stateOf(t, a)
	bomb := zeroBomb("blob", 2<<30)
	if len(bomb) > 3<<20 {
		t.Fatalf("the bomb is %d bytes compressed", len(bomb))
	}
	name := fmt.Sprintf("%x", sha1.Sum([]byte("the object a zlib bomb claims to be")))
	obj := filepath.Join(path, "objects", name[:2], name[2:])
	os.MkdirAll(filepath.Dir(obj), 0o755)
	if err := os.WriteFile(obj, bomb, 0o444); err != nil {
		t.Fatal(err)
	}
	commit, tree := hostileTip(t, path, "100644 blob "+name+"\tbomb\n")
	var err error
	alloc := allocatedDuring(func() { _, err = Sync(context.Background(), a, "usb", testOptions(id)) })
	refusedCleanly(t, a, before, err, name, commit, tree)
	if alloc > 256<<20 {
		t.Fatalf("the refused sync allocated %d MiB", alloc>>20)
	}
	t.Logf("2 GiB bomb of %d KiB refused after allocating %d MiB", len(bomb)>>10, alloc>>20)
}

// hostileUploadPack writes the files a hostile git server answers with:
// an advertisement of tip as the branch, and, whatever is asked, NAK and
// pack on side band 1.
func hostileUploadPack(t *testing.T, dir, tip string, pack []byte) (adv, resp string) {
	t.Helper()
	pkt := func(b *bytes.Buffer, s []byte) {
		fmt.Fprintf(b, "%04x", len(s)+4)
		b.Write(s)
	}
	var a bytes.Buffer
	pkt(&a, []byte(tip+" refs/heads/main\x00side-band-64k ofs-delta no-progress\n"))
	a.WriteString("0000")
	var r bytes.Buffer
	pkt(&r, []byte("NAK\n"))
	for rest := pack; len(rest) > 0; {
		n := min(len(rest), 65515)
		pkt(&r, append([]byte{1}, rest[:n]...))
		rest = rest[n:]
	}
	r.WriteString("0000")
	adv, resp = filepath.Join(dir, "adv"), filepath.Join(dir, "resp")
	os.WriteFile(adv, a.Bytes(), 0o644)
	os.WriteFile(resp, r.Bytes(), 0o644)
	return adv, resp
}

// hostileHTTP serves, over HTTP, the answers hostileUploadPack wrote:
// what a git server that is not git sends.
func hostileHTTP(t *testing.T, adv, resp string) endpoint {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/info/refs"):
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			line := "# service=git-upload-pack\n"
			w.Write([]byte(pktLen(len(line)+4) + line + "0000"))
			data, _ := os.ReadFile(adv)
			w.Write(data)
		case strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			data, _ := os.ReadFile(resp)
			w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return endpoint{url: srv.URL + "/b.git"}
}

// hostileSSH makes sshd answer id's logins with what hostileUploadPack
// wrote: a real sshd in front of a server that is not git.
func hostileSSH(t *testing.T, s *sshServer, id *bcrypto.Identity, adv, resp string) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "upload-pack")
	body := fmt.Sprintf("#!/bin/sh\ncat %s\nwhile read -r line; do case \"$line\" in *done) break;; esac; done\ncat %s\n", adv, resp)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	s.forceCommand(t, id, script)
}

// hostileServers runs f with a binder synced with a remote, once per
// way of serving a hostile pack: the remote's repository is the honest
// one, then serve(tip, pack) makes the remote answer with pack for tip.
func hostileServers(t *testing.T, f func(t *testing.T, a *binder.Binder, name string, serve func(tip string, pack []byte))) {
	t.Run("ssh", func(t *testing.T) {
		id := newIdentity(t, "priya")
		s := startSSHD(t, id)
		path := filepath.Join(t.TempDir(), "remote.git")
		bareRepo(t, path)
		a := syncedTo(t, id, "hub", endpoint{url: s.url(path), accept: s.fingerprint(t)})
		f(t, a, "hub", func(tip string, pack []byte) {
			adv, resp := hostileUploadPack(t, t.TempDir(), tip, pack)
			hostileSSH(t, s, id, adv, resp)
		})
	})
	t.Run("http", func(t *testing.T) {
		id := newIdentity(t, "priya")
		a, _, _ := syncedOverHTTP(t, id)
		f(t, a, "hub", func(tip string, pack []byte) {
			adv, resp := hostileUploadPack(t, t.TempDir(), tip, pack)
			e := hostileHTTP(t, adv, resp)
			if err := RemoveRemote(a.Dir(), "hub"); err != nil {
				t.Fatal(err)
			}
			addRemote(t, a, "hub", e)
		})
	})
}

// A 16 KB pack holding a delta that makes 64 GiB from a 16 MiB base is
// refused from the delta's header, before anything is rebuilt: from a
// directory (where gobag reads the remote's pack itself), and as the
// pack stream of an SSH or HTTP server.
func TestDeltaBombIsRefused(t *testing.T) {
	need(t, "git")
	t.Run("local", func(t *testing.T) {
		id := newIdentity(t, "priya")
		path := filepath.Join(t.TempDir(), "usb.git")
		a := syncedTo(t, id, "usb", endpoint{url: path})
		before := stateOf(t, a)
		entries, bomb := bombEntries()
		storePack(t, path, entries)
		name := fmt.Sprintf("%x", bomb)
		commit, tree := hostileTip(t, path, "100644 blob "+name+"\tbomb\n")
		var err error
		alloc := allocatedDuring(func() { _, err = Sync(context.Background(), a, "usb", testOptions(id)) })
		refusedCleanly(t, a, before, err, name, commit, tree, fmt.Sprintf("%x", entries[0].name))
		if alloc > 512<<20 {
			t.Fatalf("the refused sync allocated %d MiB", alloc>>20)
		}
		t.Logf("64 GiB delta bomb refused after allocating %d MiB", alloc>>20)
	})
	hostileServers(t, func(t *testing.T, a *binder.Binder, name string, serve func(string, []byte)) {
		before := stateOf(t, a)
		entries, bomb := bombEntries()
		tree := []byte("100644 bomb\x00")
		tree = append(tree, bomb[:]...)
		commit := []byte(fmt.Sprintf("tree %x\nparent %s\nauthor m <m@x> 1700000000 +0000\ncommitter m <m@x> 1700000000 +0000\n\nhostile\n", objectName("tree", tree), a.Tip()))
		entries = append(entries, whole(2, "tree", tree), whole(1, "commit", commit))
		pack, _, _ := packOf(entries, 0)
		if len(pack) > 20<<10 {
			t.Fatalf("the pack is %d bytes", len(pack))
		}
		tip := fmt.Sprintf("%x", objectName("commit", commit))
		serve(tip, pack)
		var err error
		alloc := allocatedDuring(func() { _, err = Sync(context.Background(), a, name, testOptions(a.Identity())) })
		refusedCleanly(t, a, before, err, tip, fmt.Sprintf("%x", entries[0].name))
		if alloc > 512<<20 {
			t.Fatalf("the refused sync allocated %d MiB", alloc>>20)
		}
		t.Logf("64 GiB delta bomb in a %d KiB pack refused after allocating %d MiB", len(pack)>>10, alloc>>20)
	})
}

// A pack whose header declares more objects than a fetch takes is
// refused from its header.
func TestTooManyObjectsAreRefused(t *testing.T) {
	need(t, "git")
	hostileServers(t, func(t *testing.T, a *binder.Binder, name string, serve func(string, []byte)) {
		before := stateOf(t, a)
		blob := whole(3, "blob", []byte("one of many\n"))
		pack, _, _ := packOf([]rawEntry{blob}, binder.MaxFetchObjects+1)
		serve(fmt.Sprintf("%x", sha1.Sum([]byte("a commit that never comes"))), pack)
		_, err := Sync(context.Background(), a, name, testOptions(a.Identity()))
		refusedCleanly(t, a, before, err, fmt.Sprintf("%x", blob.name))
	})
}

// deepTree writes, in repo, trees nested depth levels deep (with git,
// which sets no bound) and returns the outermost.
func deepTree(t *testing.T, repo string, depth int) string {
	t.Helper()
	inner := strings.TrimSpace(run(t, repo, "sh", "-c", "echo deep | git hash-object -w --stdin"))
	mode, kind := "100644", "blob"
	for range depth {
		cmd := gitCmdIn(repo, "mktree")
		cmd.Stdin = strings.NewReader(fmt.Sprintf("%s %s %s\td\n", mode, kind, inner))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git mktree: %v", err)
		}
		inner, mode, kind = strings.TrimSpace(string(out)), "040000", "tree"
	}
	return inner
}

// Trees nested past the bound are refused by the walk for missing
// objects, which keeps its own stack: from a directory, and served by
// git itself over HTTP (git http-backend).
func TestDeepTreeIsRefused(t *testing.T) {
	need(t, "git")
	for _, tc := range []struct {
		name  string
		start func(t *testing.T, id *bcrypto.Identity) (*binder.Binder, string)
	}{
		{"local", func(t *testing.T, id *bcrypto.Identity) (*binder.Binder, string) {
			path := filepath.Join(t.TempDir(), "usb.git")
			return syncedTo(t, id, "hub", endpoint{url: path}), path
		}},
		{"http", func(t *testing.T, id *bcrypto.Identity) (*binder.Binder, string) {
			a, repo, _ := syncedOverHTTP(t, id)
			return a, repo
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := newIdentity(t, "priya")
			a, repo := tc.start(t, id)
			before := stateOf(t, a)
			deep := deepTree(t, repo, binder.MaxTreeDepth+1)
			commit, tree := hostileTip(t, repo, "040000 tree "+deep+"\tdeep\n")
			_, err := Sync(context.Background(), a, "hub", testOptions(id))
			refusedCleanly(t, a, before, err, commit, tree, deep)
			if !strings.Contains(err.Error(), "deeper") {
				t.Fatalf("got %v; want the depth named", err)
			}
		})
	}
}

// A server that advertises more refs than a binder could need is refused
// before anything is fetched: served by git itself over HTTP.
func TestTooManyRefsAreRefused(t *testing.T) {
	need(t, "git")
	id := newIdentity(t, "priya")
	a, repo, _ := syncedOverHTTP(t, id)
	before := stateOf(t, a)
	tip := a.Tip()
	var refs strings.Builder
	for i := range binder.MaxRefs + 1 {
		fmt.Fprintf(&refs, "create refs/tags/t%d %s\n", i, tip)
	}
	cmd := gitCmdIn(repo, "update-ref", "--stdin")
	cmd.Stdin = strings.NewReader(refs.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git update-ref: %v\n%s", err, out)
	}
	run(t, repo, "git", "pack-refs", "--all")
	_, err := Sync(context.Background(), a, "hub", testOptions(id))
	refusedCleanly(t, a, before, err)
}

// Objects a sync took in and then refused (a commit that does not
// verify) are reachable from no ref, and the next gc drops them.
func TestRefusedObjectsAreGoneAfterGC(t *testing.T) {
	need(t, "git")
	ctx := context.Background()
	id := newIdentity(t, "priya")
	path := filepath.Join(t.TempDir(), "usb.git")
	a := syncedTo(t, id, "usb", endpoint{url: path})
	before := stateOf(t, a)
	blob := strings.TrimSpace(run(t, path, "sh", "-c", "echo 'not a record' | git hash-object -w --stdin"))
	commit, tree := hostileTip(t, path, "100644 blob "+blob+"\tjunk\n")
	if _, err := Sync(ctx, a, "usb", testOptions(id)); binder.KindOf(err) != binder.BadSignature {
		t.Fatalf("got %v; want the unsigned commit refused", err)
	}
	if got := stateOf(t, a); !reflect.DeepEqual(got, before) {
		t.Fatalf("the refused sync changed the copy")
	}
	if _, err := a.Pack(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{blob, tree, commit} {
		if err := gitCmdIn(a.Dir(), "cat-file", "-e", h).Run(); err == nil {
			t.Fatalf("object %s of the refused sync is still there after gc", h)
		}
	}
	if out, err := gitCmdIn(a.Dir(), "fsck").CombinedOutput(); err != nil {
		t.Fatalf("git fsck after gc: %v\n%s", err, out)
	}
	if got := stateOf(t, a); !reflect.DeepEqual(got, before) {
		t.Fatalf("after gc the copy differs")
	}
}

// gitCmdIn is the git command args, run in dir.
func gitCmdIn(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd
}

// A server whose advertisement of refs never ends is dropped once it
// has sent more than an advertisement may hold: over a real sshd (a
// forced command that is not git) and over HTTP.
func TestEndlessAdvertisementIsRefused(t *testing.T) {
	need(t, "git")
	hash := strings.Repeat("ab", 20)
	first := fmt.Sprintf("%s refs/heads/main\x00side-band-64k ofs-delta\n", hash)
	first = pktLen(len(first)+4) + first
	line := hash + " refs/tags/again" // yes adds the newline
	line = pktLen(len(line)+5) + line
	check := func(t *testing.T, a *binder.Binder, name string) {
		t.Helper()
		before := stateOf(t, a)
		_, err := Sync(context.Background(), a, name, testOptions(a.Identity()))
		refusedCleanly(t, a, before, err)
		if !strings.Contains(err.Error(), "advertisement") {
			t.Fatalf("got %v; want the advertisement named", err)
		}
	}
	t.Run("ssh", func(t *testing.T) {
		need(t, "yes")
		id := newIdentity(t, "priya")
		s := startSSHD(t, id)
		path := filepath.Join(t.TempDir(), "remote.git")
		bareRepo(t, path)
		a := syncedTo(t, id, "hub", endpoint{url: s.url(path), accept: s.fingerprint(t)})
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "first"), []byte(first), 0o644)
		script := filepath.Join(dir, "upload-pack")
		os.WriteFile(script, []byte(fmt.Sprintf("#!/bin/sh\ncat %s/first\nexec yes '%s'\n", dir, line)), 0o755)
		s.forceCommand(t, id, script)
		check(t, a, "hub")
	})
	t.Run("http", func(t *testing.T) {
		id := newIdentity(t, "priya")
		a, _, _ := syncedOverHTTP(t, id)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			head := "# service=git-upload-pack\n"
			io.WriteString(w, pktLen(len(head)+4)+head+"0000"+first)
			chunk := []byte(strings.Repeat(line+"\n", 1000))
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}))
		t.Cleanup(srv.Close)
		if err := RemoveRemote(a.Dir(), "hub"); err != nil {
			t.Fatal(err)
		}
		addRemote(t, a, "hub", endpoint{url: srv.URL + "/b.git"})
		check(t, a, "hub")
	})
}
