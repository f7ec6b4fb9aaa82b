package binder

import (
	"gobag/binder/internal/gitstore"

	"context"
	"runtime"
	"sync"
)

// worker is one goroutine of a pool, with its own repository handle
// (none if the pool has no directory): go-git and gitStore's caches are
// not safe for concurrent use.
type worker struct {
	g *gitstore.Store
}

// pool runs tasks on one worker per core.
type pool struct {
	tasks chan func(w *worker) error
	errc  chan error
	wg    sync.WaitGroup
	err   error
}

func newPool(dir string) *pool {
	n := runtime.NumCPU()
	p := &pool{tasks: make(chan func(*worker) error, n), errc: make(chan error, n)}
	for range n {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w := &worker{}
			if dir != "" {
				g, err := gitstore.Open(dir)
				if err != nil {
					p.errc <- err
					return
				}
				defer g.Close()
				w.g = g
			}
			for t := range p.tasks {
				if err := t(w); err != nil {
					p.errc <- err
					return
				}
			}
		}()
	}
	return p
}

// submit queues a task; it fails once a task has failed or ctx is done.
func (p *pool) submit(ctx context.Context, t func(w *worker) error) error {
	if p.err != nil {
		return p.err
	}
	select {
	case p.tasks <- t:
		return nil
	case p.err = <-p.errc:
	case <-ctx.Done():
		p.err = ctx.Err()
	}
	return p.err
}

// wait lets the queued tasks finish and returns the first error.
func (p *pool) wait() error {
	close(p.tasks)
	p.wg.Wait()
	if p.err == nil {
		select {
		case p.err = <-p.errc:
		default:
		}
	}
	return p.err
}

// parallel calls fn(w, i) for i in [0, n), with a repository handle in w
// if dir is set. Workers take runs of
// consecutive items, so that what neighbours share (a commit's parent
// trees, a commit's records trees) stays in one worker's cache.
func parallel(ctx context.Context, dir string, n, run int, fn func(w *worker, i int) error) error {
	if n == 0 {
		return nil
	}
	p := newPool(dir)
	for start := 0; start < n; start += run {
		err := p.submit(ctx, func(w *worker) error {
			for i := start; i < min(n, start+run); i++ {
				if err := fn(w, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			break
		}
	}
	return p.wait()
}
