package gitsync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-git/go-git/v5"
	"golang.org/x/crypto/ssh"

	"gobag/binder"
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
)

// AddOptions are what adding a remote may need.
type AddOptions struct {
	// AcceptHostKey is the SHA256 fingerprint of an SSH server's host key,
	// checked out of band, to pin on first contact.
	AcceptHostKey string
	// ConnectTimeout bounds contacting an SSH server for its host key,
	// connecting and handshake together (default DefaultTimeout).
	ConnectTimeout time.Duration
}

// AddRemote adds a remote to the binder in dir. Its URL is a directory
// (a relative one is made absolute against the current directory), an
// SSH address (ssh://… or git's scp-like user@host:path), an HTTPS URL,
// or a git:// URL (fetch only); anything else is refused. A local
// directory that does not exist yet becomes an empty bare repository. An
// SSH server is contacted for its host key, which is pinned only if it
// matches opts.AcceptHostKey; without it, the error gives the
// fingerprint to check and accept.
func AddRemote(ctx context.Context, dir string, r *Remote, opts AddOptions) (*Remote, error) {
	if err := prepareRemote(r); err != nil {
		return nil, err
	}
	if old, err := remote(dir, r.Name); err == nil {
		if old.URL != r.URL {
			return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s exists, at %s", r.Name, old.URL), Hint: "remove it first, or choose another name",
				Fix: &binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name}}
		}
		return updateRemote(ctx, dir, old, r, opts)
	}
	switch r.Kind() {
	case kindLocal:
		if err := initLocal(r.path()); err != nil {
			return nil, err
		}
	case kindSSH:
		accept := func(fp string) *binder.Fix {
			return &binder.Fix{Action: binder.ActionAcceptHostKey, Remote: r.Name, URL: r.URL, Value: fp}
		}
		if err := pinHostKey(ctx, r, opts, accept); err != nil {
			return nil, addFix(err)
		}
	}
	return r, saveRemote(dir, r)
}

// addFix rewords, for adding a remote, the fix of an error met while
// reaching it: the remote is not there yet to sync with, so the thing to
// do is to add it again once the cause is put right.
func addFix(err error) error {
	var be *binder.Error
	if !errors.As(err, &be) || be.Fix == nil || be.Fix.Action != binder.ActionSync {
		return err
	}
	out := *be
	out.Fix = &binder.Fix{Action: binder.ActionRetry, Note: be.Fix.Note}
	return &out
}

// updateRemote is adding a remote again at the same address: the
// settings given (user, CA certificate, SSH key, a host key accepted) take
// the place of the old ones, and what was not given, and the sync state
// (the tip last verified above all), stay.
func updateRemote(ctx context.Context, dir string, old, r *Remote, opts AddOptions) (*Remote, error) {
	up := *old
	for _, f := range []struct {
		dst *string
		v   string
	}{{&up.User, r.User}, {&up.CACert, r.CACert}, {&up.SSHKey, r.SSHKey}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if up.Kind() == kindSSH && opts.AcceptHostKey != "" {
		accept := func(fp string) *binder.Fix {
			return &binder.Fix{Action: binder.ActionAcceptHostKey, Remote: r.Name, URL: r.URL, Value: fp}
		}
		if err := pinHostKey(ctx, &up, opts, accept); err != nil {
			return nil, addFix(err)
		}
	}
	return &up, saveRemote(dir, &up)
}

// initLocal makes path an empty bare repository unless it is one already.
func initLocal(path string) error {
	if fi, err := os.Stat(filepath.Join(path, "objects")); err == nil && fi.IsDir() {
		return nil
	}
	if ents, err := os.ReadDir(path); err == nil && len(ents) > 0 {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s is not empty and not a git repository", path), Hint: "choose an empty or new directory"}
	}
	_, err := git.PlainInitWithOptions(path, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: binder.Branch}, Bare: true})
	if err != nil {
		return &binder.Error{Kind: binder.Offline, Err: fmt.Errorf("create %s: %w", path, err), Hint: "is the drive connected and writable?"}
	}
	return nil
}

// pinHostKey pins r's SSH host key if it matches opts.AcceptHostKey;
// accept is the fix that would accept a key of a given fingerprint.
func pinHostKey(ctx context.Context, r *Remote, opts AddOptions, accept func(fp string) *binder.Fix) error {
	connect := opts.ConnectTimeout
	if connect <= 0 {
		connect = DefaultTimeout
	}
	key, err := probeHostKey(ctx, r, connect)
	if err != nil {
		return err
	}
	fp := ssh.FingerprintSHA256(key)
	switch opts.AcceptHostKey {
	case "":
		return &binder.Error{Kind: binder.Permission,
			Err:  fmt.Errorf("the SSH host key of %s is %s (%s); it is not accepted yet", r.URL, fp, key.Type()),
			Hint: "compare it with the fingerprint the server's administrator gives you (ssh-keygen -lf on the server's host key); accept it only if they are the same",
			Fix:  accept(fp)}
	case fp:
		r.HostKey = string(ssh.MarshalAuthorizedKey(key))
		r.HostKey = r.HostKey[:len(r.HostKey)-1]
		return nil
	}
	return &binder.Error{Kind: binder.BadSignature,
		Err:  fmt.Errorf("the SSH host key of %s is %s, not %s as given", r.URL, fp, opts.AcceptHostKey),
		Hint: "check the fingerprint with the server's administrator; do not add the remote until they match"}
}

// Report says what one sync did.
type Report struct {
	Remote string `json:"remote"`
	Tip    string `json:"tip"`
	// Merge is what was taken in from the remote; nil if it had no
	// branch yet.
	Merge *binder.MergeResult `json:"merge"`
	// Pushed says the remote's branch was moved to Tip; Sent counts the
	// commits it received (on the first sync to an empty remote, the
	// whole history).
	Pushed bool `json:"pushed"`
	Sent   int  `json:"sent"`
	// ReadOnly says the remote takes no push (git://): the sync fetched,
	// verified and merged, and sent nothing; Unsent counts this copy's
	// commits the remote lacks.
	ReadOnly bool `json:"read_only"`
	Unsent   int  `json:"unsent"`
}

// A sync starts over when the remote moved while it merged (another copy
// pushed first), backing off for a random while that doubles with each
// try, so that copies syncing at the same moment — every responder, in
// an incident — spread out instead of colliding again. After maxAttempts
// it gives up with a Contended error.
const (
	maxAttempts  = 10
	firstBackoff = 50 * time.Millisecond
	maxBackoff   = 3 * time.Second
)

// errNoTimeLeft is a wait that would end past the context's deadline.
var errNoTimeLeft = errors.New("no time left to try again")

// backoff waits before try attempt+1: a random time up to twice the last,
// at least half of it, never over maxBackoff; it returns early with the
// context's error, and at once with errNoTimeLeft if the wait would end
// past the context's deadline.
func backoff(ctx context.Context, attempt int) error {
	d := min(maxBackoff, firstBackoff<<min(attempt, 16))
	d = d/2 + rand.N(d/2+1)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return errNoTimeLeft
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// lostRace reports whether a push failed only because another copy was
// writing the remote's branch: it moved since the fetch, or its ref lock
// (a drive another copy syncs through) was held.
func lostRace(err error) bool {
	return errors.Is(err, errMoved) || binder.KindOf(err) == binder.Locked
}

// busy reports whether the server closed the connection before the
// handshake, as a server does that is taking too many at once.
func busy(err error) bool {
	var d droppedError
	return errors.As(err, &d)
}

// Sync brings the binder and one remote in step: fetch the remote's branch
// into quarantine, refuse it unless it descends from the tip verified at
// the last sync, verify and integrate it (binder.Integrate), push the
// result; to a read-only (git://) remote nothing is pushed, and the
// report says so. The remote's state (last sync, last error) is recorded
// either way. It reports progress through opts.Progress: "fetch", then
// Integrate's stages, then "push". The whole sync, starting over
// included, takes at most opts.MaxTime; past it, it stops with an Offline
// error.
func Sync(ctx context.Context, b *binder.Binder, name string, opts Options) (*Report, error) {
	r, err := remote(b.Dir(), name)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	r.LastAttempt = start.UTC().Truncate(time.Second)
	ctx, cancel := opts.bounded(ctx)
	defer cancel()
	rep, err := syncOnce(ctx, b, r, opts)
	err = overTime(ctx, r, start, err)
	if err != nil {
		r.LastError = err.Error()
	} else {
		r.LastError, r.LastSync = "", r.LastAttempt
	}
	if serr := recordOutcome(b.Dir(), r); err == nil {
		err = serr
	}
	return rep, err
}

func syncOnce(ctx context.Context, b *binder.Binder, r *Remote, opts Options) (*Report, error) {
	stage := func(s string) {
		if opts.Progress != nil {
			opts.Progress(s, 0, 0)
		}
	}
	c, err := dial(ctx, b.Dir(), r, opts)
	if err != nil {
		return nil, err
	}
	defer c.close()
	rep := &Report{Remote: r.Name}
	for attempt := 1; ; attempt++ {
		stage("fetch")
		incoming, err := c.fetch(ctx)
		if busy(err) && attempt < maxAttempts && backoff(ctx, attempt) == nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		if incoming == "" && r.LastVerified != "" {
			return nil, &binder.Error{Kind: binder.BadSignature,
				Err:  fmt.Errorf("remote %s has no binder any more (it was at %.12s at the last sync); nothing was sent to it", r.Name, r.LastVerified),
				Hint: "find out who emptied it; only if it was replaced on purpose (a new drive), remove the remote and add it again",
				Fix:  &binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name, Note: "only if it was emptied on purpose; then add it again"}}
		}
		if incoming != "" {
			m, err := take(ctx, b, r, incoming, opts)
			if err != nil {
				c.discard()
				return nil, err
			}
			rep.Merge = joinMerges(rep.Merge, m)
			r.LastVerified = incoming
		}
		rep.Tip = b.Tip()
		if rep.Tip == incoming {
			return rep, nil
		}
		ahead, _, _, err := b.Ancestry(ctx, incoming)
		if err != nil {
			return nil, err
		}
		if c.readOnly() {
			rep.ReadOnly, rep.Unsent = true, ahead
			return rep, nil
		}
		stage("push")
		err = c.push(ctx, b, incoming, rep.Tip)
		if busy(err) && attempt < maxAttempts && backoff(ctx, attempt) == nil {
			continue
		}
		if lostRace(err) {
			// Someone pushed meanwhile: wait a little, then take that in
			// first, while there are tries and time left.
			werr := errNoTimeLeft
			if attempt < maxAttempts {
				werr = backoff(ctx, attempt)
			}
			if werr == nil {
				continue
			}
			if !errors.Is(werr, errNoTimeLeft) {
				return nil, werr
			}
			return nil, &binder.Error{Kind: binder.Contended, Err: fmt.Errorf("remote %s: other copies kept changing it; %d tries lost the race (%v)", r.Name, attempt, err),
				Hint: "everything here is kept; other copies are syncing with it at the same time: sync again in a moment",
				Fix:  &binder.Fix{Action: binder.ActionSync, Remote: r.Name}}
		}
		if err != nil {
			return nil, err
		}
		rep.Pushed, rep.Sent = true, ahead
		r.LastVerified = rep.Tip
		r.LastPush = time.Now().UTC().Truncate(time.Second)
		return rep, nil
	}
}

// take refuses the remote's branch unless it descends from the tip
// verified at the last sync, then integrates it.
func take(ctx context.Context, b *binder.Binder, r *Remote, incoming string, opts Options) (*binder.MergeResult, error) {
	if r.LastVerified != "" && incoming != r.LastVerified {
		ok, err := b.Descends(ctx, incoming, r.LastVerified)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &binder.Error{Kind: binder.BadSignature,
				Err:  fmt.Errorf("remote %s rewrote or rewound its history: its tip %.12s does not descend from %.12s, the tip verified at the last sync; nothing was taken from it", r.Name, incoming, r.LastVerified),
				Hint: "find out who changed the remote; restore it from a good copy (this one is unchanged)"}
		}
	}
	return b.Integrate(ctx, incoming, r.Name, opts.Progress)
}

// joinMerges adds what a later attempt's integration did to an earlier
// one's, so that conflicts and notices of every attempt are reported.
func joinMerges(before, after *binder.MergeResult) *binder.MergeResult {
	if before == nil {
		return after
	}
	j := *after
	j.Received += before.Received
	j.Changed += before.Changed
	j.Merged = j.Merged || before.Merged
	j.FastForward = j.FastForward && !before.Merged
	j.UpToDate = j.UpToDate && before.UpToDate
	j.Conflicts = append([]string{}, before.Conflicts...)
	for _, id := range after.Conflicts {
		if !slices.Contains(j.Conflicts, id) {
			j.Conflicts = append(j.Conflicts, id)
		}
	}
	j.Notices = append(append([]string{}, before.Notices...), after.Notices...)
	return &j
}

// RemoteStatus is a remote as gobag status shows it.
type RemoteStatus struct {
	*Remote
	Kind string `json:"kind"`
	// Ahead counts commits of this copy the remote lacks; Behind commits
	// of the remote's (at the last sync, or just fetched) this copy lacks.
	Ahead  int  `json:"ahead"`
	Behind int  `json:"behind"`
	Stale  bool `json:"stale"` // no successful sync within the stale period
}

// Status reports every remote's state. With fetch, each remote's branch
// is fetched first (into quarantine: nothing is taken in), so that Behind
// is current; a remote that cannot be reached keeps its last state and
// an error in LastError. staleAfter is how long since the last successful
// sync makes a remote stale.
func Status(ctx context.Context, b *binder.Binder, fetch bool, staleAfter time.Duration, opts Options) ([]RemoteStatus, error) {
	rs, err := Remotes(b.Dir())
	if err != nil {
		return nil, err
	}
	out := []RemoteStatus{}
	now := time.Now()
	for _, r := range rs {
		st := RemoteStatus{Remote: r, Kind: r.Kind(), Stale: r.LastSync.IsZero() || now.Sub(r.LastSync) > staleAfter}
		theirs := r.LastVerified
		if fetch {
			if tip, err := fetchTip(ctx, b.Dir(), r, opts); err != nil {
				r.LastError = err.Error()
			} else {
				theirs = tip
			}
		}
		if st.Ahead, st.Behind, _, err = b.Ancestry(ctx, theirs); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// fetchTip fetches r's branch into quarantine, within opts.MaxTime, and
// returns its tip. The quarantine ref is dropped again: what was fetched
// is not verified, so nothing keeps it (the next gc removes it, the next
// sync fetches it again).
func fetchTip(ctx context.Context, dir string, r *Remote, opts Options) (string, error) {
	start := time.Now()
	ctx, cancel := opts.bounded(ctx)
	defer cancel()
	c, err := dial(ctx, dir, r, opts)
	if err != nil {
		return "", overTime(ctx, r, start, err)
	}
	defer c.close()
	defer c.discard()
	tip, err := c.fetch(ctx)
	return tip, overTime(ctx, r, start, err)
}

// OffsiteCopies is what the readiness check needs to know of the remotes:
// their names and when each last received a push.
func OffsiteCopies(dir string) ([]readiness.OffsiteCopy, error) {
	rs, err := Remotes(dir)
	if err != nil {
		return nil, err
	}
	out := []readiness.OffsiteCopy{}
	tip := ""
	for _, r := range rs {
		last := r.LastPush
		inStep := r.LastVerified != ""
		if r.Kind() == kindGit {
			// A read-only remote holds this copy's history only if it
			// had all of it at the last sync and nothing was made since.
			if tip == "" {
				if tip, err = binder.BranchTip(dir); err != nil {
					return nil, err
				}
			}
			inStep = r.LastVerified == tip
		}
		if r.LastSync.After(last) && inStep {
			last = r.LastSync // in step: the remote holds this copy's history
		}
		out = append(out, readiness.OffsiteCopy{Name: r.Name, LastCopy: last})
	}
	return out, nil
}

// CloneOptions are what a clone needs beyond the URL.
type CloneOptions struct {
	Options
	// ExpectFingerprint is the binder's fingerprint, learned out of band
	// from a member; the clone is refused if it differs.
	ExpectFingerprint string
	// TrustOnFirstUse, when the user says so explicitly, takes the binder
	// without a fingerprint to expect: whatever history verifies is
	// accepted, and the clone's fingerprint is for the user to check
	// afterwards. It is ignored when ExpectFingerprint is set.
	TrustOnFirstUse bool
	AcceptHostKey   string
	// Remote, if set, gives the user, CA certificate or SSH key to reach
	// the URL with; the clone keeps it as its remote "origin".
	Remote *Remote
}

// Clone makes a new copy, in dir, of the binder at url: it fetches the
// remote's branch, verifies its whole history, checks its fingerprint,
// then opens it with id (which must be a member to read it). Reaching
// the remote and fetching take at most opts.MaxTime.
func Clone(ctx context.Context, url, dir string, id *bcrypto.Identity, opts CloneOptions) (*binder.Binder, error) {
	if opts.ExpectFingerprint == "" && !opts.TrustOnFirstUse {
		return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("clone: no fingerprint to expect"),
			Hint: "ask a member for the binder's fingerprint (verifying their copy shows it), checked out of band",
			Fix:  &binder.Fix{Action: binder.ActionCloneFingerprint, URL: url, Path: dir}}
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s exists and is not empty", dir), Hint: "choose a new directory"}
	}
	r := &Remote{Name: "origin", URL: url}
	if opts.Remote != nil {
		r.User, r.CACert, r.SSHKey = opts.Remote.User, opts.Remote.CACert, opts.Remote.SSHKey
	}
	if err := prepareRemote(r); err != nil {
		return nil, err
	}
	url = r.URL
	if r.Kind() == kindSSH {
		accept := func(fp string) *binder.Fix {
			return &binder.Fix{Action: binder.ActionCloneHostKey, URL: url, Value: fp, Path: dir, Fingerprint: opts.ExpectFingerprint}
		}
		if err := pinHostKey(ctx, r, AddOptions{AcceptHostKey: opts.AcceptHostKey, ConnectTimeout: opts.ConnectTimeout}, accept); err != nil {
			return nil, cloneFix(err, dir, opts.ExpectFingerprint)
		}
	}
	if _, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: binder.Branch}, Bare: true}); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	fail := func(err error) (*binder.Binder, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	opts.Options.Identity = id
	tip, err := fetchTip(ctx, dir, r, opts.Options)
	if err != nil {
		return fail(cloneFix(err, dir, opts.ExpectFingerprint))
	}
	if tip == "" {
		return fail(&binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("%s holds no binder yet", url), Hint: "a member has to send one to it first, by adding it as a remote of their copy and syncing"})
	}
	rep, err := binder.VerifyTip(ctx, dir, tip, opts.Progress)
	if err != nil {
		return fail(err)
	}
	if !rep.OK() {
		return fail(&binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("the binder at %s does not verify: %d problems; first: %s", url, len(rep.Problems), rep.Problems[0]),
			Hint: "do not use this copy; clone from another remote or member"})
	}
	if opts.ExpectFingerprint != "" && rep.Fingerprint != opts.ExpectFingerprint {
		return fail(&binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("the binder at %s is %s, not %s as expected", url, rep.Fingerprint, opts.ExpectFingerprint),
			Hint: "check the fingerprint with a member; this may be another binder, or an impostor"})
	}
	if err := binder.MoveBranch(dir, "", tip); err != nil {
		return fail(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	r.LastVerified, r.LastSync, r.LastAttempt = tip, now, now
	if err := saveRemote(dir, r); err != nil {
		return fail(err)
	}
	// Verified just now, and of the fingerprint given: what the account
	// remembers of a binder once in this directory is replaced.
	b, err := binder.Open(ctx, dir, id, binder.WithProgress(opts.Progress), binder.Verified(rep), binder.AcceptHistory())
	if binder.KindOf(err) == binder.CannotDecrypt {
		return nil, &binder.Error{Kind: binder.CannotDecrypt, Err: fmt.Errorf("cloned and verified %s into %s, but %s is not a member who can read it", url, dir, id.Handle),
			Hint: "ask a manager to add you to the binder's roster with your identity's public keys, then sync again",
			Fix:  &binder.Fix{Action: binder.ActionShowIdentity, Note: "a manager adds these keys to the roster; then sync again"}}
	}
	if err != nil {
		return nil, err
	}
	// What was opened must be what was verified: the branch could have
	// been moved in between by whoever can write the new directory.
	if b.Tip() != tip || b.Fingerprint() != rep.Fingerprint {
		b.Close()
		return fail(&binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("the branch of the new copy in %s moved while it was cloned", dir),
			Hint: "someone else is writing to that directory: clone again into a directory only you can write"})
	}
	return b, nil
}

// cloneFix rewords, for a clone into dir expecting fingerprint fp, the
// fix of an error met while reaching the remote: there is no remote to
// sync with or to add again yet, only the clone to run again.
func cloneFix(err error, dir, fp string) error {
	var be *binder.Error
	if !errors.As(err, &be) || be.Fix == nil {
		return err
	}
	out := *be
	switch be.Fix.Action {
	case binder.ActionSync:
		out.Fix = &binder.Fix{Action: binder.ActionRetry, Note: be.Fix.Note}
	case binder.ActionCACert:
		out.Fix = &binder.Fix{Action: binder.ActionCloneCACert, URL: be.Fix.URL, Path: dir, Fingerprint: fp, Note: "with the server's CA certificate (PEM), checked with its administrator"}
	case binder.ActionCloneHostKey, binder.ActionCloneCACert, binder.ActionCloneFingerprint, binder.ActionRetry:
		return err
	case binder.ActionRemoveRemote, binder.ActionAddRemote, binder.ActionAcceptHostKey:
		out.Fix = nil
	default:
		return err
	}
	return &out
}
