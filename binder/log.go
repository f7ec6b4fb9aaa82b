package binder

import (
	"gobag/binder/internal/gitstore"

	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// LogEntry is one change to one record (or to the binder) in the history.
type LogEntry struct {
	Commit string    `json:"commit"`
	Time   time.Time `json:"time"`
	Author string    `json:"author"`
	Action string    `json:"action"` // add, edit, delete, create, roster
	ID     string    `json:"id,omitempty"`
	Rev    int       `json:"rev,omitempty"`
	Kind   string    `json:"kind,omitempty"`
	Title  string    `json:"title,omitempty"`
}

// Log returns the history, newest first: every change, or only those of
// one record if id is set. limit ≤ 0 means no limit.
func (b *Binder) Log(ctx context.Context, id string, limit int) ([]LogEntry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if id != "" {
		full, err := b.resolve(ctx, id)
		if err != nil {
			return nil, err
		}
		id = full
	}
	titles := map[string][2]string{}
	var out []LogEntry
	seen := map[plumbing.Hash]bool{b.tip: true}
	queue := []plumbing.Hash{b.tip}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Newest commit first among those waiting.
		var commits []*gitstore.Commit
		for _, h := range queue {
			c, err := b.git.ReadCommit(h)
			if err != nil {
				return nil, err
			}
			commits = append(commits, c)
		}
		sort.Slice(commits, func(i, j int) bool { return commits[i].Committer.When.After(commits[j].Committer.When) })
		c := commits[0]
		queue = queue[:0]
		for _, o := range commits[1:] {
			queue = append(queue, o.Hash)
		}
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
		for _, e := range parseTrailers(c) {
			if id != "" && e.ID != id {
				continue
			}
			if e.ID != "" {
				kt, ok := titles[e.ID]
				if !ok {
					if r, err := b.get(ctx, e.ID); err == nil {
						kt = [2]string{r.Kind, r.Title}
					}
					titles[e.ID] = kt
				}
				e.Kind, e.Title = kt[0], kt[1]
			}
			out = append(out, e)
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
	}
	return out, nil
}

// parseTrailers reads the "Record:" and "Roster:" lines gobag writes in
// its commit messages. gobag verify checks that they match the changes.
func parseTrailers(c *gitstore.Commit) []LogEntry {
	base := LogEntry{Commit: c.Hash.String(), Time: c.Author.When.UTC(), Author: c.Author.Name}
	var out []LogEntry
	for _, line := range strings.Split(c.Message, "\n") {
		switch {
		case strings.HasPrefix(line, "Record: "):
			f := strings.Fields(strings.TrimPrefix(line, "Record: "))
			if len(f) != 4 || f[1] != "rev" {
				continue
			}
			rev, _ := strconv.Atoi(f[2])
			e := base
			e.ID, e.Rev, e.Action = f[0], rev, f[3]
			out = append(out, e)
		case strings.HasPrefix(line, "Roster: "):
			e := base
			e.Action = "roster"
			if len(c.ParentHashes) == 0 {
				e.Action = "create"
			}
			out = append(out, e)
		}
	}
	return out
}
