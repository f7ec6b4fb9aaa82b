package gitsync

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/net/proxy"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// conn is a connection to one remote. Every transport implements it, and
// every implementation runs the same tests (sync_test.go).
type conn interface {
	// fetch brings the objects of the remote's branch into the binder's
	// repository and returns the remote's tip, "" if it has no branch yet.
	// No local branch moves.
	fetch(ctx context.Context) (string, error)
	// push sends the remote what it lacks of the binder's history and
	// moves its branch from old ("" for none) to new; if the branch is no
	// longer at old it fails with errMoved.
	push(ctx context.Context, b *binder.Binder, old, new string) error
	// discard drops what fetch kept of a branch that was refused or
	// could not be taken in (it must not count as something the binder
	// has in the next fetch).
	discard()
	// readOnly reports whether the remote takes no push (git://): a sync
	// with it only fetches.
	readOnly() bool
	close()
}

// errMoved means the remote's branch moved since it was fetched.
var errMoved = errors.New("the remote's branch moved since it was fetched")

// Defaults for reaching remotes.
const (
	// DefaultTimeout bounds connecting to a remote, and each wait for
	// data from it or to it.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxTime bounds a whole operation with one remote (a sync,
	// however many times it starts over; a status fetch; a clone), so
	// that a server trickling data slowly cannot hold the binder.
	DefaultMaxTime = 10 * time.Minute
)

// Options set how remotes are reached.
type Options struct {
	// Identity logs in to SSH remotes with its signing key (unless the
	// remote names another key file).
	Identity *bcrypto.Identity
	// Token returns the password or token for an HTTPS remote that has a
	// user; it is asked for each time, never stored.
	Token func(r *Remote) ([]byte, error)
	// ConnectTimeout bounds connecting (TCP, TLS; each wait of the SSH
	// handshake); StallTimeout drops a connection that moves no data for
	// that long. Both default to DefaultTimeout.
	ConnectTimeout, StallTimeout time.Duration
	// MaxTime bounds the whole operation with one remote, retries
	// included (default DefaultMaxTime): past it, the operation stops
	// with an Offline error and the binder is as it was.
	MaxTime time.Duration
	// Progress hears of each stage of a sync.
	Progress binder.Progress
}

func (o *Options) timeouts() (connect, stall time.Duration) {
	connect, stall = o.ConnectTimeout, o.StallTimeout
	if connect <= 0 {
		connect = DefaultTimeout
	}
	if stall <= 0 {
		stall = DefaultTimeout
	}
	return connect, stall
}

// bounded is ctx ending after MaxTime, and the time that allows.
func (o *Options) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	max := o.MaxTime
	if max <= 0 {
		max = DefaultMaxTime
	}
	return context.WithTimeout(ctx, max)
}

// overTime words err, met by an operation with remote r under ctx that
// began at start, as the operation running out of its time, if it did:
// whatever step it was at failed because its connection was cut at the
// deadline, or because the context ended. Losing the race to push until
// no time was left stays Contended: other copies were the cause.
func overTime(ctx context.Context, r *Remote, start time.Time, err error) error {
	deadline, ok := ctx.Deadline()
	if err == nil || !ok || time.Now().Before(deadline) || binder.KindOf(err) == binder.Contended {
		return err
	}
	allowed := deadline.Sub(start).Round(time.Second)
	return &binder.Error{Kind: binder.Offline,
		Err:  &remoteError{msg: fmt.Sprintf("remote %s (%s): stopped after %s, the most it may take: the server or the network is too slow, or the server is holding the connection open", r.Name, r.URL, allowed), err: err},
		Hint: "local changes are kept and nothing was taken in unverified; try again later, allow more time if the remote is known to be slow, or ask the server's administrator",
		Fix:  &binder.Fix{Action: binder.ActionSync, Remote: r.Name, Note: "later, or with more time allowed"}}
}

// incomingRef is where a remote's branch is fetched, in quarantine until
// it is verified.
func incomingRef(name string) plumbing.ReferenceName {
	return binder.IncomingRef(name)
}

// dial connects to r for the binder in dir.
func dial(ctx context.Context, dir string, r *Remote, opts Options) (conn, error) {
	switch a := parseAddress(r.URL); a.kind {
	case kindLocal:
		return &localConn{dir: dir, path: a.path, name: r.Name}, nil
	case "":
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s: URL %q: %s", r.Name, r.URL, a.problem), Hint: supportedForms,
			Fix: &binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name, Note: "then add it again with an address it can be reached at"}}
	}
	return newGitConn(ctx, dir, r, opts)
}

// localConn syncs with a bare repository in a directory: objects are
// copied straight between the two repositories.
type localConn struct {
	dir, path, name string
}

func (c *localConn) fetch(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := os.Stat(c.path); err != nil {
		return "", &binder.Error{Kind: binder.Offline, Err: fmt.Errorf("remote %s: %s is not there", c.name, c.path),
			Hint: "connect the drive or mount the share; local changes are kept",
			Fix:  &binder.Fix{Action: binder.ActionSync, Remote: c.name, Note: "once the drive is connected or the share mounted"}}
	}
	tip, err := binder.BranchTip(c.path)
	if err != nil || tip == "" {
		return "", err
	}
	if _, err := binder.FetchHistory(ctx, c.path, c.dir, tip); err != nil {
		return "", fmt.Errorf("remote %s: %w", c.name, err)
	}
	return tip, nil
}

func (c *localConn) push(ctx context.Context, b *binder.Binder, old, new string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := binder.CopyHistory(ctx, c.dir, c.path, new, nil); err != nil {
		return err
	}
	err := binder.MoveBranch(c.path, old, new)
	if binder.KindOf(err) == binder.Conflict {
		return errMoved
	}
	return err
}

// discard has nothing to drop: a local fetch copies objects, never a ref.
func (c *localConn) discard() {}

func (c *localConn) readOnly() bool { return false }

func (c *localConn) close() {}

// gitConn syncs over SSH, HTTPS or git:// with git's smart protocol.
type gitConn struct {
	dir    string
	r      *Remote
	ep     *transport.Endpoint
	tr     transport.Transport
	auth   transport.AuthMethod
	ro     bool
	unlock func()
	// budget bounds what the connection's sockets read (see fetch);
	// forget drops it from the SSH dialer's registry.
	budget *readBudget
	forget func()
}

// protocols guards go-git's transport registry, which holds, under
// connScheme, the connection of the sync under way.
var protocols sync.Mutex

// connScheme names, in go-git's transport registry, the connection under
// way. go-git's fetch takes a URL string and would parse it again, and
// for some address forms differently from git (the scp-like form with a
// port, a relative path, an IPv6 host); under this scheme it is handed
// the endpoint and transport gobag made from the address.
const connScheme = "gobag-conn"

// boundTransport is a transport that reaches one endpoint, whatever the
// URL go-git parsed.
type boundTransport struct {
	ep *transport.Endpoint
	tr transport.Transport
}

func (b boundTransport) NewUploadPackSession(_ *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	return b.tr.NewUploadPackSession(b.ep, auth)
}

func (b boundTransport) NewReceivePackSession(_ *transport.Endpoint, auth transport.AuthMethod) (transport.ReceivePackSession, error) {
	return b.tr.NewReceivePackSession(b.ep, auth)
}

func newGitConn(ctx context.Context, dir string, r *Remote, opts Options) (*gitConn, error) {
	a := parseAddress(r.URL)
	connect, stall := opts.timeouts()
	// Every connection is cut at the context's deadline, whatever step
	// it is at: a server that trickles data never times out a single
	// read, and go-git does not hand every step the context. Its
	// sockets also read within a budget (see fetch).
	deadline, _ := ctx.Deadline()
	c := &gitConn{dir: dir, r: r, budget: newReadBudget()}
	dialer := timeoutDialer{connect: connect, stall: stall, deadline: deadline, budget: c.budget}
	switch a.kind {
	case kindSSH:
		auth, err := sshAuthFor(r, opts, connect)
		if err != nil {
			return nil, err
		}
		c.auth = auth
		id, forget := c.budget.register()
		c.forget = forget
		c.ep = &transport.Endpoint{Protocol: "ssh", User: auth.user, Host: a.host, Port: a.port, Path: a.path,
			Proxy: transport.ProxyOptions{URL: dialer.url(id)}}
		c.tr = gitssh.DefaultClient
	case kindGit:
		c.ep = &transport.Endpoint{Protocol: "git", Host: a.host, Port: a.port, Path: a.path}
		c.tr = gitProtocol{dialer}
		c.ro = true
	case kindHTTPS:
		ep, err := transport.NewEndpoint(r.URL)
		if err != nil {
			return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s: %w", r.Name, err)}
		}
		c.ep = ep
		var tlsConfig *tls.Config
		if r.CACert != "" {
			pem, err := os.ReadFile(r.CACert)
			if err != nil {
				return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("remote %s: CA certificate: %w", r.Name, err),
					Hint: "the CA certificate file (PEM) given for this remote cannot be read",
					Fix:  &binder.Fix{Action: binder.ActionCACert, Remote: r.Name, URL: r.URL}}
			}
			roots, err := x509.SystemCertPool()
			if err != nil {
				roots = x509.NewCertPool()
			}
			if !roots.AppendCertsFromPEM(pem) {
				return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s: %s holds no PEM certificate", r.Name, r.CACert),
					Fix: &binder.Fix{Action: binder.ActionCACert, Remote: r.Name, URL: r.URL}}
			}
			tlsConfig = &tls.Config{RootCAs: roots}
		}
		if r.User != "" && a.scheme == "http" && !loopback(ep.Host) {
			return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s would send the token for %s unencrypted over http://", r.Name, r.User),
				Hint: "use an https:// URL",
				Fix:  &binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name, Note: "then add it again with an https:// URL"}}
		}
		if r.User != "" {
			if opts.Token == nil {
				return nil, &binder.Error{Kind: binder.Permission, Err: fmt.Errorf("remote %s needs a password or token for %s", r.Name, r.User),
					Hint: "there is no terminal to ask for it on; give it in a file",
					Fix:  &binder.Fix{Action: binder.ActionTokenFile, Remote: r.Name, URL: r.URL}}
			}
			tok, err := opts.Token(r)
			if err != nil {
				return nil, err
			}
			c.auth = &githttp.BasicAuth{Username: r.User, Password: strings.TrimSpace(string(tok))}
		}
		c.tr = githttp.NewClient(&http.Client{Transport: refusalLines{httpTransport(dialer, tlsConfig)}})
	default:
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s: URL %q: %s", r.Name, r.URL, a.problem), Hint: supportedForms}
	}
	protocols.Lock()
	client.InstallProtocol(connScheme, boundTransport{ep: c.ep, tr: c.tr})
	c.unlock = func() {
		client.InstallProtocol(connScheme, nil)
		protocols.Unlock()
	}
	return c, nil
}

func (c *gitConn) close() {
	if c.forget != nil {
		c.forget()
		c.forget = nil
	}
	if c.unlock != nil {
		c.unlock()
		c.unlock = nil
	}
}

// fetch takes the remote's pack stream itself, rather than through
// go-git's fetch, whose pack parser rebuilds deltas with no bound: the
// stream goes to binder.FetchPack, which checks every bound before the
// work it bounds and takes nothing in unless all of it passes.
func (c *gitConn) fetch(ctx context.Context) (string, error) {
	// The connection's sockets read within a budget: the advertisement
	// first, then the pack (with room for framing and encryption); a
	// push after is not bounded here.
	c.budget.set(binder.MaxAdvertBytes, "an advertisement of refs")
	defer c.budget.set(-1, "")
	tip, err := c.fetchPack(ctx)
	if e := c.budget.exceeded(); e != nil {
		return "", fmt.Errorf("remote %s: %w; nothing was taken from it", c.r.Name, e)
	}
	return tip, err
}

func (c *gitConn) fetchPack(ctx context.Context) (string, error) {
	sess, err := c.tr.NewUploadPackSession(c.ep, c.auth)
	if err != nil {
		return "", classifySession(c.r, err)
	}
	defer sess.Close()
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return "", nil
	}
	if err != nil {
		return "", classify(c.r, err)
	}
	if n := len(adv.References) + len(adv.Peeled); n > binder.MaxRefs {
		return "", &binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("remote %s advertises %d refs, over the limit of %d; nothing was taken from it", c.r.Name, n, binder.MaxRefs),
			Hint: "a binder's repository has one branch: find out who filled the remote with refs, and restore it from a good copy"}
	}
	refs, err := adv.AllReferences()
	if err != nil {
		return "", classify(c.r, err)
	}
	ref, ok := refs[binder.Branch]
	if !ok {
		return "", nil
	}
	tip := ref.Hash().String()
	c.budget.set(binder.MaxFetchBytes+binder.MaxFetchBytes/8, "a fetch")
	err = binder.FetchPack(ctx, c.dir, tip, func(ctx context.Context, haves []string) (io.ReadCloser, error) {
		req := packp.NewUploadPackRequestFromCapabilities(adv.Capabilities)
		// The pack must be complete in itself: no thin pack.
		req.Capabilities.Delete(capability.ThinPack)
		if adv.Capabilities.Supports(capability.NoProgress) {
			req.Capabilities.Set(capability.NoProgress)
		}
		req.Wants = []plumbing.Hash{ref.Hash()}
		for _, h := range haves {
			req.Haves = append(req.Haves, plumbing.NewHash(h))
		}
		res, err := sess.UploadPack(ctx, req)
		if err != nil {
			return nil, classify(c.r, err)
		}
		return packStream{demux(req.Capabilities, res), res}, nil
	})
	if err != nil {
		if binder.KindOf(err) == binder.Offline || binder.KindOf(err) == binder.Permission {
			return "", err
		}
		return "", fmt.Errorf("remote %s: %w", c.r.Name, err)
	}
	repo, err := git.PlainOpen(c.dir)
	if err != nil {
		return "", err
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(incomingRef(c.r.Name), ref.Hash())); err != nil {
		return "", err
	}
	return tip, nil
}

// packStream is a pack stream, read through the side-band demultiplexer
// if there is one, closed with the response it came in.
type packStream struct {
	io.Reader
	io.Closer
}

// demux reads the pack out of the side band, if one was asked for.
func demux(caps *capability.List, r io.Reader) io.Reader {
	switch {
	case caps.Supports(capability.Sideband64k):
		return sideband.NewDemuxer(sideband.Sideband64k, r)
	case caps.Supports(capability.Sideband):
		return sideband.NewDemuxer(sideband.Sideband, r)
	}
	return r
}

// discard deletes the quarantine ref the fetch wrote.
func (c *gitConn) discard() {
	if repo, err := git.PlainOpen(c.dir); err == nil {
		repo.Storer.RemoveReference(incomingRef(c.r.Name))
	}
}

func (c *gitConn) readOnly() bool { return c.ro }

func (c *gitConn) push(ctx context.Context, b *binder.Binder, old, new string) error {
	if c.ro {
		return &binder.Error{Kind: binder.Permission, Err: fmt.Errorf("remote %s (%s) is read-only: git:// has no login, and its servers take no push", c.r.Name, c.r.URL),
			Hint: "a sync with it only fetches; to send this copy's changes, sync with the same repository over SSH or HTTPS"}
	}
	// The pack first: the server waits for nothing while it is built, and
	// a connection that moves no data for a while is dropped.
	var pack bytes.Buffer
	if _, _, err := b.WritePack(ctx, &pack, old); err != nil {
		return err
	}
	sess, adv, cur, err := c.receivePack(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	if cur != old {
		return errMoved
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(adv.Capabilities)
	oldHash := plumbing.ZeroHash
	if old != "" {
		oldHash = plumbing.NewHash(old)
	}
	req.Commands = []*packp.Command{{Name: binder.Branch, Old: oldHash, New: plumbing.NewHash(new)}}
	req.Packfile = io.NopCloser(&pack)
	rs, err := sess.ReceivePack(ctx, req)
	if rs != nil {
		if rerr := rs.Error(); rerr != nil {
			return c.refused(ctx, old, rerr)
		}
	}
	if err == nil && rs == nil {
		// A server that does not report: look at its branch.
		check, _, cur, err := c.receivePack(ctx)
		if err != nil {
			return err
		}
		check.Close()
		if cur != new {
			return c.refused(ctx, old, fmt.Errorf("its branch is at %.12s after the push, not %.12s", cur, new))
		}
	}
	return classify(c.r, err)
}

// receivePack opens a push session and returns what the server advertised
// and where its branch is ("" for nowhere).
func (c *gitConn) receivePack(ctx context.Context) (transport.ReceivePackSession, *packp.AdvRefs, string, error) {
	sess, err := c.tr.NewReceivePackSession(c.ep, c.auth)
	if err != nil {
		return nil, nil, "", classifySession(c.r, err)
	}
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		sess.Close()
		return nil, nil, "", classify(c.r, err)
	}
	if adv == nil {
		adv = packp.NewAdvRefs() // an empty repository that advertised nothing
	}
	cur := ""
	if refs, err := adv.AllReferences(); err == nil {
		if ref, ok := refs[binder.Branch]; ok {
			cur = ref.Hash().String()
		}
	}
	return sess, adv, cur, nil
}

// refused says why a server refused a push: its branch moved under us
// (the compare-and-swap failed: sync takes the new history in and tries
// again), or something else the user has to see, in the server's words.
// Servers word the first differently, so the branch is looked at again.
func (c *gitConn) refused(ctx context.Context, old string, err error) error {
	if sess, _, cur, aerr := c.receivePack(ctx); aerr == nil {
		sess.Close()
		if cur != old {
			return fmt.Errorf("%w (%s)", errMoved, oneLine(err.Error()))
		}
	}
	return &binder.Error{Kind: binder.Permission, Err: &remoteError{fmt.Sprintf("remote %s (%s) refused the push: %s", c.r.Name, c.r.URL, oneLine(err.Error())), err},
		Hint: "the server's message says why (a hook, a full disk, a policy); local changes are kept"}
}

// loopback reports whether host (with or without a port) is this machine.
func loopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// sshAuthFor logs in as the URL's user (or this system user) with the
// identity's signing key or the remote's key file, and checks the host key
// against the one pinned.
func sshAuthFor(r *Remote, opts Options, connect time.Duration) (*sshAuth, error) {
	a := &sshAuth{timeout: connect, remote: r, user: parseAddress(r.URL).user}
	if a.user == "" {
		if me, err := user.Current(); err == nil {
			a.user = me.Username
		}
	}
	switch {
	case r.SSHKey != "":
		data, err := os.ReadFile(r.SSHKey)
		if err != nil {
			return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("remote %s: SSH key: %w", r.Name, err)}
		}
		if a.signer, err = ssh.ParsePrivateKey(data); err != nil {
			return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s: SSH key %s: %w", r.Name, r.SSHKey, err),
				Hint: "the key file must be an unencrypted OpenSSH private key; without a key file, the identity's own key logs in",
				Fix:  &binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name, Note: "then add it again with another key file, or none"}}
		}
	case opts.Identity != nil:
		var err error
		if a.signer, err = opts.Identity.SSHSigner(); err != nil {
			return nil, err
		}
	default:
		return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("no key to log in with over SSH")}
	}
	if r.HostKey == "" {
		return nil, &binder.Error{Kind: binder.Permission, Err: fmt.Errorf("remote %s has no pinned host key", r.Name),
			Hint: "adding the remote again shows the server's key fingerprint, to check and accept",
			Fix:  &binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name, Note: "then add it again"}}
	}
	pinned, _, _, _, err := ssh.ParseAuthorizedKey([]byte(r.HostKey))
	if err != nil {
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote %s: pinned host key: %w", r.Name, err)}
	}
	a.pinned = pinned
	return a, nil
}

// sshAuth is go-git's SSH auth method for a gobag remote.
type sshAuth struct {
	user    string
	signer  ssh.Signer
	pinned  ssh.PublicKey
	remote  *Remote
	timeout time.Duration
}

var _ gitssh.AuthMethod = (*sshAuth)(nil)

func (a *sshAuth) Name() string { return "gobag" }
func (a *sshAuth) String() string {
	return "user " + a.user + ", key " + ssh.FingerprintSHA256(a.signer.PublicKey())
}

func (a *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	return &ssh.ClientConfig{
		User:              a.user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(a.signer)},
		HostKeyCallback:   a.checkHostKey,
		HostKeyAlgorithms: hostKeyAlgorithms(a.pinned.Type()),
		Timeout:           a.timeout,
	}, nil
}

// checkHostKey accepts only the pinned key.
func (a *sshAuth) checkHostKey(host string, _ net.Addr, key ssh.PublicKey) error {
	if bytes.Equal(key.Marshal(), a.pinned.Marshal()) {
		return nil
	}
	return &binder.Error{Kind: binder.BadSignature,
		Err:  fmt.Errorf("the host key of %s (remote %s) has CHANGED: it is %s, but %s was accepted before. Someone may be impersonating the server", host, a.remote.Name, ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(a.pinned)),
		Hint: "do not sync; ask the server's administrator whether its key changed. Only if it did, remove the remote and add it again",
		Fix:  &binder.Fix{Action: binder.ActionRemoveRemote, Remote: a.remote.Name, Note: "only once the administrator confirms the new key; then add it again"}}
}

// hostKeyAlgorithms asks the server for a key of the pinned key's type.
func hostKeyAlgorithms(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// preferredHostKeys is what first contact asks for, best first.
var preferredHostKeys = []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}

// errGotKey stops a handshake once the host key is known.
var errGotKey = errors.New("host key received")

// probeHostKey connects to an SSH remote just far enough to learn its host
// key: connecting and the handshake up to the key take at most connect,
// and end with ctx.
func probeHostKey(ctx context.Context, r *Remote, connect time.Duration) (ssh.PublicKey, error) {
	a := parseAddress(r.URL)
	if a.kind != kindSSH {
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote URL %q is not an SSH address", r.URL)}
	}
	port := a.port
	if port == 0 {
		port = 22
	}
	addr := net.JoinHostPort(a.host, fmt.Sprint(port))
	deadline := time.Now().Add(connect)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nc, err := timeoutDialer{connect: connect, deadline: deadline}.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, classify(r, err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	var key ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:              "gobag",
		HostKeyAlgorithms: preferredHostKeys,
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errGotKey
		},
	}
	_, _, _, err = ssh.NewClientConn(nc, addr, cfg)
	if key == nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, classify(r, err)
	}
	return key, nil
}

// Timeouts. HTTP gets its dialer from its client; SSH from the proxy
// setting go-git reaches it through, under a scheme registered here;
// git:// dials it itself.
const timeoutScheme = "gobag-direct"

func init() {
	proxy.RegisterDialerType(timeoutScheme, func(u *url.URL, _ proxy.Dialer) (proxy.Dialer, error) {
		q := u.Query()
		d := timeoutDialer{budget: budgetOf(u)}
		d.connect, _ = time.ParseDuration(q.Get("connect"))
		d.stall, _ = time.ParseDuration(q.Get("stall"))
		if dl := q.Get("deadline"); dl != "" {
			var err error
			if d.deadline, err = time.Parse(time.RFC3339Nano, dl); err != nil {
				return nil, err
			}
		}
		return d, nil
	})
}

// timeoutDialer connects within connect, and makes connections that fail
// a read or write waiting longer than stall, every read and write from
// deadline on (if it is not zero), and every read past the budget (if
// there is one).
type timeoutDialer struct {
	connect, stall time.Duration
	deadline       time.Time
	budget         *readBudget
}

// url is the proxy URL under which go-git reaches d; budget is the id of
// its readBudget ("" for none).
func (d timeoutDialer) url(budget string) string {
	q := url.Values{"connect": {d.connect.String()}, "stall": {d.stall.String()}, "budget": {budget}}
	if !d.deadline.IsZero() {
		q.Set("deadline", d.deadline.Format(time.RFC3339Nano))
	}
	return timeoutScheme + "://direct/?" + q.Encode()
}

func (d timeoutDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

func (d timeoutDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := net.Dialer{Timeout: d.connect, Deadline: d.deadline}
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &stallConn{Conn: c, stall: d.stall, deadline: d.deadline, budget: d.budget}, nil
}

// httpTransport is the HTTP transport of one connection, dialling with d;
// tlsConfig, if not nil, holds the certificate authorities to trust.
func httpTransport(d timeoutDialer, tlsConfig *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   d.connect,
		ResponseHeaderTimeout: d.stall,
		ForceAttemptHTTP2:     false,
	}
}

// stallConn fails a read or write that waits longer than stall, and
// every one from deadline on: a connection that stops moving data is
// dropped rather than waited on, and one that keeps moving a little is
// dropped when the operation's time is up. With a budget, it is dropped
// once it has read more than the budget allows.
type stallConn struct {
	net.Conn
	stall    time.Duration
	deadline time.Time
	budget   *readBudget
}

// next is the deadline of a read or write that starts now.
func (c *stallConn) next() time.Time {
	var t time.Time
	if c.stall > 0 {
		t = time.Now().Add(c.stall)
	}
	if !c.deadline.IsZero() && (t.IsZero() || c.deadline.Before(t)) {
		t = c.deadline
	}
	return t
}

func (c *stallConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(c.next())
	n, err := c.Conn.Read(p)
	if !c.budget.take(n) {
		c.Conn.Close()
		return n, c.budget.exceeded()
	}
	return n, err
}

func (c *stallConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(c.next())
	return c.Conn.Write(p)
}
