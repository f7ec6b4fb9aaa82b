package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"

	"gobag/binder"
	bcrypto "gobag/crypto"
	gitsync "gobag/sync"
)

// measureSync times sync on a binder of n records: one changed record to
// a local remote and to sshd on loopback, beside git pushing one commit
// the same ways; a clone beside git clone; and a merge of 100 records
// changed on each side.
func (r *report) measureSync(ctx context.Context, n int) error {
	dir := filepath.Join(r.work, "sync")
	os.MkdirAll(dir, 0o755)
	id, idPath, err := newIdentity(dir, "syncer")
	if err != nil {
		return err
	}
	a, err := buildBinder(ctx, filepath.Join(dir, "a"), id, n)
	if err != nil {
		return err
	}
	defer func() { a.Close() }()
	opts := gitsync.Options{Identity: id}
	usb := filepath.Join(dir, "usb.git")
	if _, err := gitsync.AddRemote(ctx, a.Dir(), &gitsync.Remote{Name: "usb", URL: usb}, gitsync.AddOptions{}); err != nil {
		return err
	}
	f, err := timeRuns(1, func(int) error { _, err := gitsync.Sync(ctx, a, "usb", opts); return err })
	if err != nil {
		return err
	}
	f.what = fmt.Sprintf("first sync: send %d records to an empty local remote (in process)", n)
	r.sync = append(r.sync, f)
	rng := rand.New(rand.NewPCG(11, 12))
	f, err = timeRuns(20, func(i int) error {
		if _, err := a.Add(ctx, fixtureRecord(rng, n+i)); err != nil {
			return err
		}
		_, err := gitsync.Sync(ctx, a, "usb", opts)
		return err
	})
	if err != nil {
		return err
	}
	f.what, f.note = "save and sync one changed record to a local remote (in process)", "save included"
	r.sync = append(r.sync, f)
	a.Close()
	env := []string{"GOBAG_BINDER=" + a.Dir(), "GOBAG_IDENTITY=" + idPath}
	f, err = r.procTimed(10, func(i int) error {
		return proc(env, nil, r.gobag, "add", "note", "--title", fmt.Sprintf("sync %d", i))
	}, env, r.gobag, "sync", "usb")
	if err != nil {
		return err
	}
	f.what = "`gobag sync usb`: one changed record to a local remote (whole process)"
	r.sync = append(r.sync, f)
	gitRepo, gitRemote, err := gitPeerRemote(filepath.Join(dir, "git"), n, rng)
	if err != nil {
		return err
	}
	f, err = r.procTimed(10, func(i int) error { return gitCommitOne(gitRepo, i) }, nil, "git", "-C", gitRepo, "push", "-q", gitRemote, "main")
	if err != nil {
		return err
	}
	f.what = "git CLI: `git push` of one commit to a local bare remote"
	r.sync = append(r.sync, f)

	// Over SSH to sshd on loopback.
	if s, err := startSSHD(filepath.Join(dir, "sshd"), id); err != nil {
		r.sync = append(r.sync, figure{what: "sync over SSH", note: err.Error()})
	} else {
		defer s.stop()
		remote := filepath.Join(dir, "ssh-remote.git")
		if err := proc(nil, nil, "git", "init", "-q", "--bare", "--initial-branch=main", remote); err != nil {
			return err
		}
		url := fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, s.port, remote)
		if err := proc(env, nil, r.gobag, "remote", "add", "ssh", url, "--accept-host-key", s.fingerprint); err != nil {
			return err
		}
		if err := proc(env, nil, r.gobag, "sync", "ssh"); err != nil {
			return err
		}
		f, err = r.procTimed(10, func(i int) error {
			return proc(env, nil, r.gobag, "add", "note", "--title", fmt.Sprintf("ssh %d", i))
		}, env, r.gobag, "sync", "ssh")
		if err != nil {
			return err
		}
		f.what = "`gobag sync ssh`: one changed record to sshd on loopback (whole process)"
		r.sync = append(r.sync, f)
		gitSSH := []string{"GIT_SSH_COMMAND=ssh -i " + s.clientKey + " -o UserKnownHostsFile=" + s.knownHosts + " -o StrictHostKeyChecking=yes -o BatchMode=yes"}
		sshRemote := fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, s.port, filepath.Join(dir, "git-ssh-remote.git"))
		if err := proc(nil, nil, "git", "init", "-q", "--bare", "--initial-branch=main", filepath.Join(dir, "git-ssh-remote.git")); err != nil {
			return err
		}
		if err := proc(gitSSH, nil, "git", "-C", gitRepo, "push", "-q", sshRemote, "main"); err != nil {
			return err
		}
		f, err = r.procTimed(10, func(i int) error { return gitCommitOne(gitRepo, 100+i) }, gitSSH, "git", "-C", gitRepo, "push", "-q", sshRemote, "main")
		if err != nil {
			return err
		}
		f.what = "git CLI: `git push` of one commit over SSH to the same sshd"
		r.sync = append(r.sync, f)
	}

	// Clone.
	f, err = r.procFigure(fmt.Sprintf("`gobag clone` of the %d-record binder from the local remote (whole process)", n), 3, nil, "sh", "-c",
		fmt.Sprintf("rm -rf %[1]s/clone && GOBAG_IDENTITY=%[2]s %[3]s clone %[4]s --binder %[1]s/clone --expect-fingerprint %[5]s >/dev/null", dir, idPath, r.gobag, usb, a.Fingerprint()))
	if err != nil {
		return err
	}
	r.sync = append(r.sync, f)
	f, err = r.procFigure("git CLI: `git clone --bare` of the same remote (file://, no hard links)", 3, nil, "sh", "-c",
		fmt.Sprintf("rm -rf %[1]s/git-clone && git clone -q --bare --no-local file://%[2]s %[1]s/git-clone", dir, usb))
	if err != nil {
		return err
	}
	r.sync = append(r.sync, f)

	// A merge of 100 records changed on each side.
	a, err = binder.Open(ctx, a.Dir(), id)
	if err != nil {
		return err
	}
	b, err := binder.Open(ctx, filepath.Join(dir, "clone"), id)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := gitsync.Sync(ctx, a, "usb", opts); err != nil {
		return err
	}
	if _, err := gitsync.Sync(ctx, b, "origin", opts); err != nil {
		return err
	}
	list, err := a.List(ctx, "")
	if err != nil {
		return err
	}
	for i := range 100 {
		for side, c := range []*binder.Binder{a, b} {
			rec, err := c.Get(ctx, list[2*i+side].ID)
			if err != nil {
				return err
			}
			rec.Body += fmt.Sprintf("\nEdited on side %d.\n", side)
			if _, err := c.Update(ctx, rec); err != nil {
				return err
			}
		}
	}
	if _, err := gitsync.Sync(ctx, a, "usb", opts); err != nil {
		return err
	}
	f, err = timeRuns(1, func(int) error {
		rep, err := gitsync.Sync(ctx, b, "origin", opts)
		if err == nil && (rep.Merge == nil || !rep.Merge.Merged) {
			err = fmt.Errorf("no merge: %+v", rep.Merge)
		}
		return err
	})
	if err != nil {
		return err
	}
	f.what = "sync that merges 100 records changed on each side: fetch, verify, merge, index, push (in process)"
	r.sync = append(r.sync, f)
	fmt.Fprintf(os.Stderr, "  sync figures: %d\n", len(r.sync))
	return nil
}

// procTimed times a whole process run after before(i) has prepared it.
func (r *report) procTimed(k int, before func(i int) error, env []string, name string, args ...string) (figure, error) {
	var ds []time.Duration
	var peak int64
	for i := range k {
		if err := before(i); err != nil {
			return figure{}, err
		}
		t0 := time.Now()
		rss, err := procRSS(env, nil, name, args...)
		if err != nil {
			return figure{}, err
		}
		ds = append(ds, time.Since(t0))
		peak = max(peak, rss)
	}
	slices.Sort(ds)
	return figure{median: ds[len(ds)/2], max: ds[len(ds)-1], runs: k, rssKB: peak}, nil
}

// buildBinder makes a binder of n fixture records in commits of 500,
// packed as the CLI would pack it.
func buildBinder(ctx context.Context, dir string, id *bcrypto.Identity, n int) (*binder.Binder, error) {
	b, err := binder.Create(ctx, dir, id, "Bench Office")
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	for i := 0; i < n; i += 500 {
		var recs []*binder.Record
		for j := i; j < min(n, i+500); j++ {
			recs = append(recs, fixtureRecord(rng, j))
		}
		if _, err := b.Import(ctx, recs); err != nil {
			return nil, err
		}
		if _, err := b.Pack(ctx, true, nil); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// gitPeerRemote makes a git work tree of n files (as gitPeer does) and an
// empty bare remote that it has been pushed to.
func gitPeerRemote(dir string, n int, rng *rand.Rand) (repo, remote string, err error) {
	repo, remote = filepath.Join(dir, "work"), filepath.Join(dir, "remote.git")
	if _, err := gitPeer(repo, n, rng); err != nil {
		return "", "", err
	}
	if err := proc(nil, nil, "git", "init", "-q", "--bare", "--initial-branch=main", remote); err != nil {
		return "", "", err
	}
	if err := proc(nil, nil, "git", "-C", repo, "branch", "-M", "main"); err != nil {
		return "", "", err
	}
	return repo, remote, proc(nil, nil, "git", "-C", repo, "push", "-q", remote, "main")
}

func gitCommitOne(repo string, i int) error {
	name := fmt.Sprintf("records/zz/push%03d.age", i)
	os.MkdirAll(filepath.Join(repo, "records/zz"), 0o755)
	os.WriteFile(filepath.Join(repo, name), []byte(fmt.Sprintf("one more %d\n", i)), 0o644)
	env := []string{"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=b@x", "GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=b@x"}
	return proc(env, nil, "sh", "-c", "cd "+repo+" && git add "+name+" && git commit -q -m one")
}

// benchSSHD is an sshd on loopback that lets in the identity's key, and
// the files git's ssh client needs to reach it.
type benchSSHD struct {
	cmd                   *exec.Cmd
	port                  int
	user, fingerprint     string
	clientKey, knownHosts string
}

func startSSHD(dir string, id *bcrypto.Identity) (*benchSSHD, error) {
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		return nil, fmt.Errorf("sshd not installed")
	}
	os.MkdirAll(dir, 0o700)
	me, err := user.Current()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755)
	}
	host := filepath.Join(dir, "host_ed25519")
	if err := proc(nil, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host); err != nil {
		return nil, err
	}
	pub, err := os.ReadFile(host + ".pub")
	if err != nil {
		return nil, err
	}
	hk, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	if err != nil {
		return nil, err
	}
	s := &benchSSHD{user: me.Username, fingerprint: ssh.FingerprintSHA256(hk), port: 20000 + rand.IntN(20000)}
	auth := filepath.Join(dir, "authorized_keys")
	os.WriteFile(auth, []byte(id.SigningKey().String()+"\n"), 0o600)
	// git's ssh client logs in with the same key, as an OpenSSH file.
	key, err := id.SSHPrivateKey()
	if err != nil {
		return nil, err
	}
	s.clientKey = filepath.Join(dir, "client_key")
	os.WriteFile(s.clientKey, key, 0o600)
	s.knownHosts = filepath.Join(dir, "known_hosts")
	os.WriteFile(s.knownHosts, []byte(fmt.Sprintf("[127.0.0.1]:%d %s", s.port, pub)), 0o600)
	conf := filepath.Join(dir, "sshd_config")
	os.WriteFile(conf, []byte(fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s/sshd.pid\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nPermitRootLogin prohibit-password\nAllowUsers %s\nLogLevel ERROR\n",
		s.port, host, dir, auth, s.user)), 0o600)
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", conf)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for range 200 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("sshd did not start")
}

func (s *benchSSHD) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}
