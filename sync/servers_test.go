package gitsync

import (
	"bufio"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bcrypto "gobag/crypto"
)

// Real servers on loopback for the transport tests: OpenSSH's sshd with
// its own host key and one authorized key, git's http-backend behind an
// HTTP(S) server with basic auth, and a TCP proxy that can cut a
// connection in the middle.

func need(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (make test installs it)", b)
		}
	}
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// bareRepo makes an empty bare repository whose branch is main, as a
// server's administrator would.
func bareRepo(t *testing.T, path string) {
	t.Helper()
	run(t, "", "git", "init", "-q", "--bare", "--initial-branch=main", path)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// sshServer is a running sshd.
type sshServer struct {
	port     int
	dir      string
	hostKey  string // public key file
	cmd      *exec.Cmd
	user     string
	authKeys string
}

// startSSHD starts sshd on a free loopback port with a fresh ed25519 host
// key, letting in id's signing key.
func startSSHD(t *testing.T, id *bcrypto.Identity) *sshServer {
	t.Helper()
	need(t, "sshd", "ssh-keygen", "git")
	dir := t.TempDir()
	s := &sshServer{dir: dir, port: freePort(t), authKeys: filepath.Join(dir, "authorized_keys")}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	s.user = me.Username
	os.WriteFile(s.authKeys, []byte(id.SigningKey().String()+"\n"), 0o600)
	s.newHostKey(t)
	s.start(t)
	return s
}

func (s *sshServer) newHostKey(t *testing.T) {
	t.Helper()
	key := filepath.Join(s.dir, "host_ed25519")
	os.Remove(key)
	os.Remove(key + ".pub")
	run(t, "", "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
	s.hostKey = key + ".pub"
}

func (s *sshServer) start(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755)
	}
	conf := filepath.Join(s.dir, "sshd_config")
	os.WriteFile(conf, []byte(fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s/sshd.pid
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers %s
LogLevel ERROR
`, s.port, strings.TrimSuffix(s.hostKey, ".pub"), s.dir, s.authKeys, s.user)), 0o600)
	sshd, _ := exec.LookPath("sshd")
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", conf)
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	waitPort(t, s.port)
}

func (s *sshServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// fingerprint is the host key's SHA256 fingerprint, as its administrator
// would read it to a user.
func (s *sshServer) fingerprint(t *testing.T) string {
	t.Helper()
	out := run(t, "", "ssh-keygen", "-l", "-E", "sha256", "-f", s.hostKey)
	return strings.Fields(out)[1]
}

func (s *sshServer) url(repo string) string {
	return fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, s.port, repo)
}

func waitPort(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on port %d", port)
}

// httpServer serves the bare repositories under root with git's
// http-backend, behind basic auth (user gobag, password token).
type httpServer struct {
	srv    *httptest.Server
	root   string
	caFile string
}

const (
	httpUser  = "gobag"
	httpToken = "s3cret-token"
)

func startHTTP(t *testing.T, withTLS bool) *httpServer {
	t.Helper()
	need(t, "git")
	execPath := strings.TrimSpace(run(t, "", "git", "--exec-path"))
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skip("git-http-backend not installed")
	}
	h := &httpServer{root: t.TempDir()}
	cgiHandler := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + h.root, "GIT_HTTP_EXPORT_ALL=1"}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != httpUser || p != httpToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="gobag test"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		// http-backend lets an authenticated user push.
		r.Header.Del("Authorization")
		env := append([]string{"REMOTE_USER=" + u}, cgiHandler.Env...)
		(&cgi.Handler{Path: cgiHandler.Path, Env: env}).ServeHTTP(w, r)
	})
	if withTLS {
		h.srv = httptest.NewUnstartedServer(handler)
		h.srv.TLS = &tls.Config{}
		h.srv.StartTLS()
		h.caFile = filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(h.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw}), 0o600)
	} else {
		h.srv = httptest.NewServer(handler)
	}
	t.Cleanup(h.srv.Close)
	return h
}

func (h *httpServer) url(repo string) string { return h.srv.URL + "/" + repo }

// cutProxy forwards TCP connections to target; cut makes it drop every
// connection once that many bytes have gone through it in either
// direction (0: never).
type cutProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	cut    int64
	cuts   int
	drop   int // connections still to close as soon as they are accepted
}

func startProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, target: target}
	t.Cleanup(func() { l.Close() })
	go p.serve()
	return p
}

func (p *cutProxy) port() int { return p.l.Addr().(*net.TCPAddr).Port }

// cutCount is how many connections the proxy has cut so far.
func (p *cutProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

func (p *cutProxy) setCut(n int64) {
	p.mu.Lock()
	p.cut = n
	p.mu.Unlock()
}

// dropNext makes the proxy close the next n connections as soon as it
// accepts them, as a busy sshd does past its MaxStartups.
func (p *cutProxy) dropNext(n int) {
	p.mu.Lock()
	p.drop = n
	p.mu.Unlock()
}

func (p *cutProxy) serve() {
	for {
		in, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		drop := p.drop > 0
		if drop {
			p.drop--
		}
		p.mu.Unlock()
		if drop {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		limit := p.cut
		p.mu.Unlock()
		var once sync.Once
		var moved int64
		var mu sync.Mutex
		closeBoth := func() {
			once.Do(func() { in.Close(); out.Close() })
		}
		pipe := func(dst, src net.Conn) {
			buf := make([]byte, 4096)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					mu.Lock()
					moved += int64(n)
					over := limit > 0 && moved > limit
					mu.Unlock()
					if over {
						p.mu.Lock()
						p.cuts++
						p.mu.Unlock()
						closeBoth()
						return
					}
					if _, werr := dst.Write(buf[:n]); werr != nil {
						closeBoth()
						return
					}
				}
				if err != nil {
					if err != io.EOF {
						closeBoth()
					} else if tc, ok := dst.(*net.TCPConn); ok {
						tc.CloseWrite()
					}
					return
				}
			}
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}

// silentServer accepts connections and never answers: a remote that is
// there but hangs.
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
			go io.Copy(io.Discard, bufio.NewReader(c))
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// forceCommand makes sshd run command, whatever the client asked for,
// when id logs in (as gitolite's authorized_keys lines do).
func (s *sshServer) forceCommand(t *testing.T, id *bcrypto.Identity, command string) {
	t.Helper()
	if strings.Contains(command, `"`) {
		t.Fatalf("a forced command cannot hold a double quote: %s", command)
	}
	line := fmt.Sprintf("command=\"%s\",no-pty,no-port-forwarding %s\n", command, id.SigningKey().String())
	if err := os.WriteFile(s.authKeys, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startGitDaemon serves every bare repository under a new directory with
// git daemon on a free loopback port, read-only as it is by default. It
// returns the directory and the port.
func startGitDaemon(t *testing.T) (string, int) {
	t.Helper()
	need(t, "git")
	root := t.TempDir()
	port := freePort(t)
	cmd := exec.Command("git", "daemon", "--reuseaddr", "--base-path="+root, "--export-all",
		"--listen=127.0.0.1", fmt.Sprintf("--port=%d", port), root)
	// Its own process group, so that the processes it forks for each
	// connection end with it; its log only if the test fails.
	var log strings.Builder
	cmd.Stderr = &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("git daemon:\n%s", log.String())
		}
	})
	waitPort(t, port)
	return root, port
}

// refusingServer answers every request the way web servers in front of
// git often refuse one: a status and a whole HTML page (with terminal
// escapes in it), or a line of plain text. The first path segment picks
// the answer: /html401/, /html403/, /text403/.
func refusingServer(t *testing.T) *httptest.Server {
	t.Helper()
	page := "<!DOCTYPE html>\n<html><head><title>Unauthorized</title></head><body>\n" +
		strings.Repeat("<p>Please log in to the corporate portal first.</p>\n", 300) +
		"\x1b[2J\x1b]0;pwned\x07</body></html>\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); first {
		case "html401":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("WWW-Authenticate", `Basic realm="portal"`)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, page)
		case "html403":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, page)
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "\n  Repository is archived\x1b[2J: "+strings.Repeat("x", 500)+"\nsecond line\n")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
