package gitsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"gobag/binder"
)

// maxQuoted bounds what a message quotes of a server's words, in
// characters.
const maxQuoted = 200

// oneLine makes s fit in a message: its first non-blank line, trimmed,
// control and other unprintable characters escaped, at most maxQuoted
// characters.
func oneLine(s string) string {
	first := ""
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			first = line
			break
		}
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(first); {
		r, size := utf8.DecodeRuneInString(first[i:])
		if n == maxQuoted {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, first[i])
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// remoteError is a transport's error worded for people, in one bounded
// line, with the original still there for errors.Is and errors.As.
type remoteError struct {
	msg string
	err error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.err }

// serverSaid is what a server said instead of what the protocol expected.
type serverSaid struct{ text string }

func (e *serverSaid) Error() string { return "the server says: " + oneLine(e.text) }

// serverWords returns, in one bounded line, what the server said about
// err, or "".
func serverWords(err error) string {
	var said *serverSaid
	var unexpected *plumbing.UnexpectedError
	msg := err.Error()
	switch {
	case errors.As(err, &said):
		return oneLine(said.text)
	case errors.As(err, &unexpected):
		if herr, ok := unexpected.Err.(*githttp.Err); ok {
			return oneLine(herr.Reason)
		}
	case strings.Contains(msg, "unknown error: "):
		// go-git's words for the first line an SSH server wrote on
		// its standard error before it hung up.
		_, text, _ := strings.Cut(msg, "unknown error: ")
		return oneLine(text)
	}
	for _, sentinel := range []error{transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed, transport.ErrRepositoryNotFound} {
		if _, text, ok := strings.Cut(msg, sentinel.Error()+": "); ok && errors.Is(err, sentinel) {
			return oneLine(text)
		}
	}
	return ""
}

// says quotes the server's words, if any, for the end of a message.
func says(words string) string {
	if words == "" {
		return ""
	}
	return `: the server says "` + words + `"`
}

// denial is how servers say a user may not have a repository: gitolite's
// "DENIED by fallthru", "access denied", "permission denied", "not
// allowed", "forbidden".
var denial = regexp.MustCompile(`(?i)denied|not allowed|forbidden|unauthori[sz]ed`)

// classify turns a transport error into one of gobag's kinds, in a
// message of one bounded line that quotes at most a line of what the
// server said, with a hint and, where it is known, a fix.
func classify(r *Remote, err error) error {
	if err == nil {
		return nil
	}
	var be *binder.Error
	if errors.As(err, &be) || errors.Is(err, context.Canceled) {
		return err
	}
	where := fmt.Sprintf("remote %s (%s)", r.Name, r.URL)
	wrap := func(k binder.Kind, msg, hint string, fix *binder.Fix) error {
		return &binder.Error{Kind: k, Err: &remoteError{msg: msg, err: err}, Hint: hint, Fix: fix}
	}
	if cerr := certificateError(r, where, err); cerr != nil {
		return cerr
	}
	words := serverWords(err)
	var unexpected *plumbing.UnexpectedError
	var herr *githttp.Err
	if errors.As(err, &unexpected) {
		herr, _ = unexpected.Err.(*githttp.Err)
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && r.User == "":
		return wrap(binder.Permission, where+" asks for a login: HTTP 401 Unauthorized"+says(words),
			"the remote was added without a user name",
			&binder.Fix{Action: binder.ActionRemoveRemote, Remote: r.Name, Note: "then add it again with a user name"})
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return wrap(binder.Permission, where+" refused the login: HTTP 401 Unauthorized"+says(words),
			"check the user name, and the password or token",
			&binder.Fix{Action: binder.ActionTokenFile, Remote: r.Name, URL: r.URL})
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return wrap(binder.Permission, where+" denied access: HTTP 403 Forbidden"+says(words),
			"the server knows the user but does not give it this repository; ask the server's administrator for access", nil)
	case strings.Contains(err.Error(), "unable to authenticate"):
		var fix *binder.Fix
		if r.SSHKey == "" {
			fix = &binder.Fix{Action: binder.ActionShowIdentity, Note: "its SSH key goes into the server's authorized_keys"}
		}
		return wrap(binder.Permission, where+" refused the login: the SSH server does not accept the key",
			"the server's authorized_keys must hold the key that logs in: the identity's signing key, or the key file given for this remote", fix)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return wrap(binder.NotExist, where+": no repository there"+says(words),
			"create an empty bare repository at that path on the server, or check the URL", nil)
	case words != "" && denial.MatchString(words):
		return wrap(binder.Permission, where+" denied access"+says(words),
			"the server let the login in but not at this repository; ask the server's administrator for access", nil)
	case herr != nil:
		code := herr.StatusCode()
		msg := fmt.Sprintf("%s answered HTTP %d %s%s", where, code, http.StatusText(code), says(words))
		if code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout {
			return wrap(binder.Offline, msg, "the server or a proxy in front of it is down; local changes are kept",
				&binder.Fix{Action: binder.ActionSync, Remote: r.Name, Note: "when the server is back"})
		}
		return wrap(binder.Other, msg, "", nil)
	case stalled(err):
		return wrap(binder.Offline, where+" stopped answering: "+oneLine(err.Error()),
			"it was reached, then sent nothing for longer than the timeout: the server or the network is hung or very slow; local changes are kept",
			&binder.Fix{Action: binder.ActionSync, Remote: r.Name, Note: "when the remote answers again"})
	case unreachable(err):
		return wrap(binder.Offline, where+" could not be reached: "+oneLine(err.Error()),
			"check the network; local changes are kept",
			&binder.Fix{Action: binder.ActionSync, Remote: r.Name, Note: "when the remote can be reached"})
	case words != "":
		return wrap(binder.Other, where+says(words), "", nil)
	}
	return wrap(binder.Other, where+": "+oneLine(err.Error()), "", nil)
}

// droppedError is a connection the server closed before the SSH
// handshake was done: what sshd does with connections past its
// MaxStartups, when many copies sync at once. It is tried again, as a
// lost push race is.
type droppedError struct{ error }

func (e droppedError) Unwrap() error { return e.error }

// classifySession classifies the failure to open a session, marking a
// connection dropped before the handshake.
func classifySession(r *Remote, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "handshake failed") && (errors.Is(err, io.EOF) || strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset")) {
		return droppedError{classify(r, err)}
	}
	return classify(r, err)
}

// unreachable reports whether err means the remote could not be reached
// or the connection was lost on the way.
func unreachable(err error) bool {
	var netErr net.Error
	var dnsErr *net.DNSError
	msg := err.Error()
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) || errors.As(err, &dnsErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrDeadlineExceeded) ||
		strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe") || strings.Contains(msg, "EOF")
}

// stalled reports whether err is a connection that was made but then
// waited too long for data (not one that could not be made).
func stalled(err error) bool {
	msg := err.Error()
	if strings.Contains(msg, "dial ") {
		return false
	}
	return strings.Contains(msg, "i/o timeout") || strings.Contains(msg, "timeout awaiting response headers")
}

// certificateError words an HTTPS server certificate that does not check
// out, or returns nil.
//
// Its kind is BadSignature, "a signature, hash or trust check failed":
// the server could not be authenticated, as with an SSH host key that
// changed. It is not Offline (the server was reached, and trying again
// changes nothing) nor Permission (the server refused nothing; gobag
// refused the server, which may be an impostor).
func certificateError(r *Remote, where string, err error) error {
	var unknownCA x509.UnknownAuthorityError
	var wrongHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	wrap := func(msg, hint string, fix *binder.Fix) error {
		return &binder.Error{Kind: binder.BadSignature, Err: &remoteError{msg: msg, err: err}, Hint: hint, Fix: fix}
	}
	switch {
	case errors.As(err, &unknownCA):
		hint := "its certificate is not signed by a certificate authority this system trusts; " +
			"get the CA certificate (PEM) from the server's administrator, check it, and give it for this remote"
		if r.CACert != "" {
			hint = "its certificate is not signed by the CA certificate given for this remote (" + r.CACert + "); get the right one from the server's administrator"
		}
		return wrap(where+": the server's certificate is signed by an unknown authority", hint,
			&binder.Fix{Action: binder.ActionCACert, Remote: r.Name, URL: r.URL})
	case errors.As(err, &wrongHost):
		return wrap(where+": the server's certificate is for another host ("+oneLine(wrongHost.Error())+")",
			"check the URL's host name with the server's administrator; do not sync until it matches", nil)
	case errors.As(err, &invalid):
		return wrap(where+": the server's certificate is not valid ("+oneLine(invalid.Error())+")",
			"it may have expired, or this computer's clock may be wrong; tell the server's administrator", nil)
	case errors.As(err, &verify):
		return wrap(where+": the server's certificate does not verify ("+oneLine(verify.Error())+")",
			"tell the server's administrator; do not sync until it verifies", nil)
	}
	return nil
}

// refusalLines is the HTTP transport of a connection, with what a
// server sends along with a refusal (a status of 400 or more) cut down to
// one line of plain text: never an HTML page, never more than a few
// kilobytes read.
type refusalLines struct{ rt http.RoundTripper }

// maxRefusalBody bounds what is read of a refusal's body.
const maxRefusalBody = 4 << 10

func (t refusalLines) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.rt.RoundTrip(req)
	if err != nil || res.StatusCode < 400 {
		return res, err
	}
	line := ""
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == "text/plain" {
		data, _ := io.ReadAll(io.LimitReader(res.Body, maxRefusalBody))
		line = oneLine(string(data))
	}
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(line))
	res.ContentLength = int64(len(line))
	return res, nil
}
