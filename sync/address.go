package gitsync

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// The kinds of remote, as Remote.Kind names them.
const (
	kindLocal = "local" // a directory: a USB stick, a second disk, a share
	kindSSH   = "ssh"   // ssh:// or user@host:path
	kindHTTPS = "https" // https://, and http:// (a token only to this machine)
	kindGit   = "git"   // git://: fetch and clone only
)

// address is a remote's URL taken apart the way git takes remote
// addresses apart (connect.c, url.c), so that an address means here what
// it means to git.
type address struct {
	// kind is one of the kinds above, or "" for an address gobag cannot
	// reach; problem then says why.
	kind    string
	problem string
	// scheme is the URL's scheme, lower-cased; "" for a path or the
	// scp-like form user@host:path.
	scheme string
	user   string
	host   string // without the brackets of an IPv6 literal
	port   int    // 0: the protocol's default
	// path is, for a directory, the directory; for SSH and git://, the
	// repository path as git sends it to the server (relative to the
	// user's home unless it starts with /, ~ expanded by the server).
	path string
}

var (
	// schemePrefix matches a URL's scheme (git's is_url).
	schemePrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)
	// helperPrefix matches git's remote-helper form, HELPER::ADDRESS.
	helperPrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*::`)
)

// supportedForms says in words which addresses a remote may have.
const supportedForms = "a remote is ssh://[user@]host[:port]/path, user@host:path " +
	"(as git writes SSH addresses; [user@host:port]:path for another port), " +
	"https://host/path, http://host/path, git://host/path (fetch only), " +
	"or a directory (absolute, or relative such as ./binder.git)"

// parseAddress takes a remote URL apart. Following git: a URL has a
// scheme; otherwise an address with a ':' before any '/' is SSH in the
// scp-like form [user@]host:path (a Windows drive letter excepted);
// anything else is a directory.
func parseAddress(raw string) address {
	if strings.ContainsFunc(raw, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return address{problem: "it holds control characters"}
	}
	if m := schemePrefix.FindStringSubmatch(raw); m != nil {
		return parseURLAddress(raw, strings.ToLower(m[1]))
	}
	if helperPrefix.MatchString(raw) {
		return address{problem: "git's remote helpers (HELPER::ADDRESS) are not supported"}
	}
	colon := strings.IndexByte(raw, ':')
	slash := strings.IndexAny(raw, "/"+string(os.PathSeparator))
	switch {
	case filepath.IsAbs(raw):
		return address{kind: kindLocal, path: raw}
	case colon < 0 || (slash >= 0 && slash < colon):
		if raw == "" {
			return address{problem: "it is empty"}
		}
		return address{kind: kindLocal, path: raw} // relative
	case driveLetter(raw):
		return address{problem: "a Windows drive path is not a path on this system"}
	}
	return parseSCPAddress(raw)
}

// driveLetter reports whether s starts like a Windows path (C:\ or C:/,
// or any C: on Windows), which git never takes for host:path.
func driveLetter(s string) bool {
	if len(s) < 2 || s[1] != ':' {
		return false
	}
	if c := s[0] | 0x20; c < 'a' || c > 'z' {
		return false
	}
	return runtime.GOOS == "windows" || len(s) == 2 || s[2] == '/' || s[2] == '\\'
}

// parseURLAddress takes apart an address with a scheme.
func parseURLAddress(raw, scheme string) address {
	switch scheme {
	case "file":
		path := raw[len("file://"):]
		if path == "" {
			return address{problem: "it names no directory"}
		}
		return address{kind: kindLocal, scheme: scheme, path: path}
	case "ssh", "git+ssh", "ssh+git", "git", "http", "https":
	default:
		return address{problem: fmt.Sprintf("there is no %s:// transport", scheme)}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return address{problem: "it is not a well-formed URL"}
	}
	a := address{kind: kindSSH, scheme: scheme, host: u.Hostname(), path: u.Path}
	switch scheme {
	case "git":
		a.kind = kindGit
	case "http", "https":
		a.kind = kindHTTPS
	}
	if u.User != nil {
		a.user = u.User.Username()
	}
	if p := u.Port(); p != "" {
		if a.port, err = strconv.Atoi(p); err != nil || a.port > 65535 {
			return address{problem: fmt.Sprintf("port %q", p)}
		}
	}
	if a.kind != kindHTTPS && strings.HasPrefix(a.path, "/~") {
		a.path = a.path[1:] // ssh://host/~/path and ~user: the home's, as git reads them
	}
	return a.checkHostPath()
}

// parseSCPAddress takes apart [user@]host:path, where host may be written
// [host:port] or [user@host:port] to give a port, and [::1] for an IPv6
// literal.
func parseSCPAddress(raw string) address {
	var userHost, path string
	start := 0
	if i := strings.Index(raw, "@["); i >= 0 && i < strings.IndexByte(raw, ':') {
		start = i + 1
	}
	if strings.HasPrefix(raw[start:], "[") {
		end := strings.Index(raw[start:], "]:")
		if end < 0 {
			return address{problem: "a '[' without its ']:'"}
		}
		userHost, path = raw[:start]+raw[start+1:start+end], raw[start+end+2:]
	} else {
		userHost, path, _ = strings.Cut(raw, ":")
	}
	a := address{kind: kindSSH, path: path}
	if i := strings.LastIndexByte(userHost, '@'); i >= 0 {
		a.user, userHost = userHost[:i], userHost[i+1:]
	}
	a.host = userHost
	if strings.Count(userHost, ":") == 1 { // host:port; more colons are an IPv6 literal
		host, port, _ := strings.Cut(userHost, ":")
		a.host = host
		if port != "" {
			n, err := strconv.Atoi(port)
			if err != nil || n < 0 || n > 65535 {
				return address{problem: fmt.Sprintf("port %q", port)}
			}
			a.port = n
		}
	}
	if strings.HasPrefix(a.path, "/~") {
		a.path = a.path[1:]
	}
	return a.checkHostPath()
}

// checkHostPath refuses an address with no host or no path, or one whose
// host or path could pass for an option (git refuses those too).
func (a address) checkHostPath() address {
	switch {
	case a.host == "":
		return address{problem: "it names no host"}
	case strings.HasPrefix(a.host, "-"), strings.HasPrefix(a.user, "-"):
		return address{problem: "a host or user starting with '-'"}
	case a.path == "", a.kind != kindHTTPS && a.path == "/":
		return address{problem: "it names no repository path"}
	case strings.HasPrefix(a.path, "-"):
		return address{problem: "a path starting with '-'"}
	}
	return a
}

// relative reports whether a directory address is relative.
func (a address) relative() bool {
	return a.kind == kindLocal && a.scheme == "" && !filepath.IsAbs(a.path)
}
