package gitsync

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/utils/ioutil"
)

// gitProtocol is the client of git's own protocol (git://, git daemon's),
// for fetching only: the protocol has no login, and its servers take no
// push unless told to. It is written here, on go-git's protocol
// encoders, because go-git's own client dials with no timeout; this one
// is bounded like the other transports (connect, and every read and
// write).
type gitProtocol struct {
	connect, stall time.Duration
	budget         *readBudget
}

// gitDaemonPort is git daemon's port.
const gitDaemonPort = 9418

// errReadOnly is a push over git://.
var errReadOnly = errors.New("git:// is read-only")

var _ transport.Transport = gitProtocol{}

func (p gitProtocol) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	if auth != nil {
		return nil, transport.ErrInvalidAuthMethod
	}
	port := ep.Port
	if port <= 0 {
		port = gitDaemonPort
	}
	nc, err := timeoutDialer{connect: p.connect, stall: p.stall, budget: p.budget}.DialContext(context.Background(), "tcp", net.JoinHostPort(ep.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	host := ep.Host
	if port != gitDaemonPort {
		host = net.JoinHostPort(ep.Host, strconv.Itoa(port))
	}
	req := &packp.GitProtoRequest{RequestCommand: transport.UploadPackServiceName, Pathname: ep.Path, Host: host}
	if err := req.Encode(nc); err != nil {
		nc.Close()
		return nil, err
	}
	return &gitProtoSession{conn: nc}, nil
}

func (gitProtocol) NewReceivePackSession(*transport.Endpoint, transport.AuthMethod) (transport.ReceivePackSession, error) {
	return nil, errReadOnly
}

// gitProtoSession is one upload-pack conversation with a git daemon.
type gitProtoSession struct {
	conn    net.Conn
	adv     *packp.AdvRefs
	packRun bool
	mu      sync.Mutex
	stops   []func() bool
	closed  bool
}

// watch closes the connection if ctx ends first, so that a cancelled
// fetch does not wait for the stall timeout.
func (s *gitProtoSession) watch(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stops = append(s.stops, context.AfterFunc(ctx, func() { s.conn.Close() }))
}

func (s *gitProtoSession) AdvertisedReferences() (*packp.AdvRefs, error) {
	return s.AdvertisedReferencesContext(context.Background())
}

func (s *gitProtoSession) AdvertisedReferencesContext(ctx context.Context) (*packp.AdvRefs, error) {
	if s.adv != nil {
		return s.adv, nil
	}
	s.watch(ctx)
	ar := packp.NewAdvRefs()
	if err := ar.Decode(s.conn); err != nil {
		var errLine *pktline.ErrorLine
		switch {
		case errors.Is(err, packp.ErrEmptyAdvRefs):
			return nil, transport.ErrEmptyRemoteRepository
		case errors.As(err, &errLine):
			// A daemon that refuses says so in an error packet (ERR …).
			return nil, daemonRefusal(errLine.Text)
		}
		return nil, err
	}
	if ar.IsEmpty() {
		return nil, transport.ErrEmptyRemoteRepository
	}
	transport.FilterUnsupportedCapabilities(ar.Capabilities)
	s.adv = ar
	return ar, nil
}

// daemonRefusal words the error packet of a daemon that refused the
// request; git daemon says the same for a repository that is not there
// and one it does not export.
func daemonRefusal(text string) error {
	if strings.Contains(text, "not exported") || strings.Contains(text, "no such repository") || strings.Contains(text, "not found") {
		return fmt.Errorf("%w: %w", transport.ErrRepositoryNotFound, &serverSaid{text})
	}
	return &serverSaid{text}
}

func (s *gitProtoSession) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	if req.IsEmpty() {
		return nil, transport.ErrEmptyUploadPackRequest
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.AdvertisedReferencesContext(ctx); err != nil {
		return nil, err
	}
	s.packRun = true
	s.watch(ctx)
	if err := req.UploadRequest.Encode(s.conn); err != nil {
		return nil, fmt.Errorf("sending the request: %w", err)
	}
	if err := req.UploadHaves.Encode(s.conn, true); err != nil {
		return nil, fmt.Errorf("sending the haves: %w", err)
	}
	if err := pktline.NewEncoder(s.conn).Encodef("done\n"); err != nil {
		return nil, fmt.Errorf("sending done: %w", err)
	}
	r, err := ioutil.NonEmptyReader(s.conn)
	if errors.Is(err, ioutil.ErrEmptyReader) {
		return nil, transport.ErrEmptyUploadPackRequest
	}
	if err != nil {
		return nil, err
	}
	res := packp.NewUploadPackResponse(req)
	if err := res.Decode(ioutil.NewReadCloser(r, s)); err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	return res, nil
}

// Close ends the conversation: a flush first if no pack was asked for, as
// the protocol has it.
func (s *gitProtoSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, stop := range s.stops {
		stop()
	}
	if !s.packRun {
		s.conn.Write(pktline.FlushPkt)
	}
	return s.conn.Close()
}
