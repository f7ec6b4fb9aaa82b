// Package gitsync keeps copies of a binder in step through git remotes: a
// directory (a USB stick, a second disk), an SSH server, an HTTPS server
// speaking git's smart protocol, or, to fetch from only, a git daemon
// (git://). It is imported as gitsync, so that it does not shadow the
// standard library's sync.
//
// # Addresses
//
// A remote's URL is read as git reads it (address.go): a URL with a
// scheme (ssh, https, http, git, file; any other is refused); else, with
// a ':' before any '/', SSH in git's scp-like form user@host:path (the
// path relative to the user's home unless it starts with '/';
// [user@host:port]:path gives a port), a Windows drive letter excepted;
// else a directory, made absolute when the remote is added. The URL is
// kept as it was written; the transport is given the endpoint parsed
// from it.
//
// # A sync
//
// [Sync] fetches the remote's branch into a quarantine ref, refuses it if
// it does not descend from the tip verified at the last sync (no rollback,
// no silent rewrite), hands it to binder.Integrate (which verifies every
// new commit and merges record by record), and pushes the result back with
// a compare-and-swap on the remote's branch; if the remote moved meanwhile,
// it starts over. Nothing reaches the local branch unverified, and a
// failed sync leaves every local change in place.
//
// # Transports
//
// A remote is reached through a conn: a local directory is read and written
// directly (pure Go, no git binary needed, objects copied by comparing
// trees); SSH and HTTPS go through go-git's client for fetching and its
// receive-pack session, with a pack gobag computes itself, for pushing;
// git:// through a bounded client of git's own protocol, for fetching
// only (a sync with such a remote fetches, verifies and merges, and
// reports what it could not send).
// SSH host keys are pinned per remote on first contact, by explicit
// acceptance of their fingerprint. Connections have a connect timeout and
// a stall timeout (each read or write), and are cut at the deadline of
// the operation (Options.MaxTime), so an unreachable, silent or trickling
// remote fails with an Offline error in bounded time.
//
// # Local state
//
// Remotes and their sync state (last verified tip, last sync, last push,
// last error, pinned host key) live in the binder's local state,
// gobag/remotes.toml, which is never committed or pushed.
package gitsync
