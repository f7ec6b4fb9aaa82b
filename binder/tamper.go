package binder

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The index is a cache of decrypted records, encrypted by Badger with
// AES-CTR, which authenticates nothing: someone with the disk but not the
// key can flip bits of a cached value and change it predictably (a phone
// number into another). binder/index therefore tags every value with a
// MAC under a key derived from the index's wrapped key, and never returns
// an entry whose tag fails. Here the binder acts on such a failure: it
// rebuilds the index from git, which holds the truth, says so, and leaves
// a note that verify reports.

// authentic runs read, which reads the index with b.mu held. If the index
// has met an entry that failed its check, read's result is dropped, the
// index is rebuilt from git and read runs again.
func (b *Binder) authentic(ctx context.Context, read func() error) error {
	err := read()
	if b.ix.Failed() == 0 {
		return err
	}
	if err := b.heal(ctx); err != nil {
		return err
	}
	if err := read(); err != nil {
		return err
	}
	if b.ix.Failed() > 0 {
		return unauthenticError()
	}
	return nil
}

// checked is authentic for a read that returns a value.
func checked[T any](ctx context.Context, b *Binder, read func() (T, error)) (T, error) {
	var out T
	err := b.authentic(ctx, func() (err error) {
		out, err = read()
		return err
	})
	return out, err
}

// settle rebuilds the index if a read since it was last checked met an
// entry that failed its check (a save's own reads are checked after it).
func (b *Binder) settle(ctx context.Context) error {
	if b.ix == nil || b.ix.Failed() == 0 {
		return nil
	}
	return b.heal(ctx)
}

// heal rebuilds the index from git at the binder's tip after entries
// failed their check, warns, and notes it for verify.
func (b *Binder) heal(ctx context.Context) error {
	if b.healing {
		// The index was just rebuilt and still fails: it is being changed
		// while gobag runs.
		return unauthenticError()
	}
	n := b.ix.Failed()
	b.warn(fmt.Sprintf("%d %s of the local index failed %s authentication check: changed on disk by someone without its key; nothing of %s was shown, and the index was rebuilt from git",
		n, plural(n, "entry", "entries"), plural(n, "its", "their"), plural(n, "it", "them")))
	b.noteTampering(n)
	b.healing = true
	defer func() { b.healing = false }()
	return b.rebuild(ctx, b.tip, nil, nil)
}

func unauthenticError() error {
	return fixErr(Other, fix(ActionReindex, ""), "something is changing the index while gobag runs; check who has access to this disk, then rebuild it",
		"the local index keeps failing its authentication check")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (b *Binder) warn(msg string) {
	if b.warnings != nil {
		// Readers in a pool may warn at once.
		warnMu.Lock()
		defer warnMu.Unlock()
		b.warnings(msg)
	}
}

var warnMu sync.Mutex

// noteTampering appends to the local note of index failures a line with
// the time and the number of entries. The note holds no content.
func (b *Binder) noteTampering(n int) {
	f, err := os.OpenFile(b.localPath(localIndexAlarm), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s %d\n", clock().UTC().Format(time.RFC3339), n)
	f.Close()
}

// indexAlarms reads the note of index failures in the binder at dir: one
// line per time the index was found changed on disk and rebuilt.
func indexAlarms(dir string) []string {
	data, err := os.ReadFile(LocalPath(dir, localIndexAlarm))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		when, count, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(count)
		if !ok || err != nil {
			continue
		}
		if _, err := time.Parse(time.RFC3339, when); err != nil {
			continue
		}
		out = append(out, fmt.Sprintf("on %s, %d %s of the local index failed %s authentication check (changed on disk by someone without its key) and the index was rebuilt from git",
			when, n, plural(n, "entry", "entries"), plural(n, "its", "their")))
	}
	return out
}

// WithWarnings passes what the user should know but does not stop the
// work (the index was found changed on disk and rebuilt) to warn.
func WithWarnings(warn func(msg string)) Option {
	return func(o *openOptions) { o.warnings = warn }
}
