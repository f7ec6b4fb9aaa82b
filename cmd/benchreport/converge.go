package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"gobag/binder"
	gitsync "gobag/sync"
)

// convergeRuns is how many times each transport's convergence is timed,
// and maxRounds how many rounds of syncs one may take before it counts
// as a failure.
const (
	convergeRuns = 3
	maxRounds    = 10
)

// measureConverge times many responders syncing at the same moment: k
// copies of a binder of n records each save one record, then every copy
// runs gobag sync at once (k processes), round after round, until all
// have converged: every copy's branch is at the remote's tip, and holds
// every record. Through a local remote, then sshd on loopback.
func (r *report) measureConverge(ctx context.Context, n, k int) error {
	dir := filepath.Join(r.work, "converge")
	os.MkdirAll(dir, 0o755)
	id, idPath, err := newIdentity(dir, "responder")
	if err != nil {
		return err
	}
	origin, err := buildBinder(ctx, filepath.Join(dir, "origin"), id, n)
	if err != nil {
		return err
	}
	defer func() { origin.Close() }()
	hub := filepath.Join(dir, "hub.git")
	opts := gitsync.Options{Identity: id}
	if _, err := gitsync.AddRemote(ctx, origin.Dir(), &gitsync.Remote{Name: "hub", URL: hub}, gitsync.AddOptions{}); err != nil {
		return err
	}
	if _, err := gitsync.Sync(ctx, origin, "hub", opts); err != nil {
		return err
	}
	remotes := []struct{ name, path, what string }{{"hub", hub, "a local remote"}}
	var sshURL, sshFP string
	if s, err := startSSHD(filepath.Join(dir, "sshd"), id); err != nil {
		r.converge = append(r.converge, figure{what: fmt.Sprintf("%d copies syncing at once over SSH", k), note: err.Error()})
	} else {
		defer s.stop()
		path := filepath.Join(dir, "ssh-remote.git")
		if err := proc(nil, nil, "git", "init", "-q", "--bare", "--initial-branch=main", path); err != nil {
			return err
		}
		sshURL, sshFP = fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, s.port, path), s.fingerprint
		if _, err := gitsync.AddRemote(ctx, origin.Dir(), &gitsync.Remote{Name: "ssh", URL: sshURL}, gitsync.AddOptions{AcceptHostKey: sshFP}); err != nil {
			return err
		}
		if _, err := gitsync.Sync(ctx, origin, "ssh", opts); err != nil {
			return err
		}
		remotes = append(remotes, struct{ name, path, what string }{"ssh", path, "sshd on loopback"})
	}
	list, err := origin.List(ctx, "")
	if err != nil {
		return err
	}
	records := len(list)
	copies := make([]string, k)
	for i := range copies {
		copies[i] = filepath.Join(dir, fmt.Sprintf("copy%02d", i))
		b, err := gitsync.Clone(ctx, hub, copies[i], id, gitsync.CloneOptions{Options: opts, ExpectFingerprint: origin.Fingerprint()})
		if err != nil {
			return err
		}
		if sshURL != "" {
			_, err = gitsync.AddRemote(ctx, copies[i], &gitsync.Remote{Name: "ssh", URL: sshURL}, gitsync.AddOptions{AcceptHostKey: sshFP})
		}
		if cerr := b.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	remoteName := map[string]string{"hub": "origin", "ssh": "ssh"}
	for _, rm := range remotes {
		var rounds []int
		failed := 0
		f, err := timeRuns(convergeRuns, func(run int) error {
			// Untimed: each copy saves one record of its own.
			for i, c := range copies {
				env := []string{"GOBAG_BINDER=" + c, "GOBAG_IDENTITY=" + idPath}
				if err := proc(env, nil, r.gobag, "add", "note", "--title", fmt.Sprintf("copy %d, %s run %d", i, rm.name, run)); err != nil {
					return err
				}
			}
			records += k
			n, fails, err := convergeRounds(r.gobag, idPath, copies, remoteName[rm.name], rm.path)
			rounds, failed = append(rounds, n), failed+fails
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", rm.name, err)
		}
		// Untimed: every copy holds every record.
		for _, c := range copies {
			b, err := binder.Open(ctx, c, id)
			if err != nil {
				return err
			}
			got, err := b.List(ctx, "")
			b.Close()
			if err != nil {
				return err
			}
			if len(got) != records {
				return fmt.Errorf("%s: %s has %d records after converging; want %d", rm.name, c, len(got), records)
			}
		}
		slices.Sort(rounds)
		f.what = fmt.Sprintf("%d copies, one new record each, `gobag sync` at once with %s until all have converged (whole process; %s%s)",
			k, rm.what, roundsText(rounds), failedText(failed))
		r.converge = append(r.converge, f)
	}
	r.convergeN, r.convergeK = n, k
	return nil
}

// convergeRounds runs gobag sync in every copy at once, round after
// round, until every copy's branch is at the tip of the remote in
// remoteDir. It returns the rounds it took and how many syncs failed on
// the way (each failed copy tries again in the next round).
func convergeRounds(gobag, idPath string, copies []string, remote, remoteDir string) (rounds, failed int, err error) {
	for rounds = 1; rounds <= maxRounds; rounds++ {
		errs := make([]error, len(copies))
		var wg sync.WaitGroup
		for i, c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(gobag, "sync", remote)
				cmd.Env = append(os.Environ(), "GOBAG_BINDER="+c, "GOBAG_IDENTITY="+idPath)
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Errorf("%s: %v: %s", c, err, strings.TrimSpace(string(out)))
				}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != nil {
				failed++
				fmt.Fprintf(os.Stderr, "  round %d: %v\n", rounds, e)
			}
		}
		tip, err := binder.BranchTip(remoteDir)
		if err != nil {
			return rounds, failed, err
		}
		converged := true
		for _, c := range copies {
			if t, err := binder.BranchTip(c); err != nil || t != tip {
				converged = false
				break
			}
		}
		if converged {
			return rounds, failed, nil
		}
	}
	return rounds, failed, errors.New("the copies did not converge")
}

func roundsText(rounds []int) string {
	lo, hi := rounds[0], rounds[len(rounds)-1]
	switch {
	case hi == 1:
		return "1 round of syncs"
	case lo == hi:
		return fmt.Sprintf("%d rounds of syncs", lo)
	}
	return fmt.Sprintf("%d to %d rounds of syncs", lo, hi)
}

func failedText(failed int) string {
	if failed == 0 {
		return ", none failed"
	}
	return fmt.Sprintf(", %d syncs failed and were run again in the next round", failed)
}
