// Package ranked is a heap of items ordered by a less function: its top is
// the least. The recovery order takes the most critical ready system from
// one; a search keeps its best hits in one (its top is then the worst
// kept).
package ranked

import "container/heap"

// Heap holds items ordered by a less function; make one with New.
type Heap[T any] struct {
	items []T
	less  func(a, b T) bool
}

// New returns an empty heap ordered by less.
func New[T any](less func(a, b T) bool) *Heap[T] { return &Heap[T]{less: less} }

// Len is the number of items held.
func (h *Heap[T]) Len() int { return len(h.items) }

// Push adds x.
func (h *Heap[T]) Push(x T) { heap.Push((*impl[T])(h), x) }

// Pop removes and returns the least item; the heap must not be empty.
func (h *Heap[T]) Pop() T { return heap.Pop((*impl[T])(h)).(T) }

// Peek returns the least item without removing it; the heap must not be
// empty.
func (h *Heap[T]) Peek() T { return h.items[0] }

// ReplaceTop replaces the least item with x and restores the order; the
// heap must not be empty.
func (h *Heap[T]) ReplaceTop(x T) {
	h.items[0] = x
	heap.Fix((*impl[T])(h), 0)
}

// impl is the container/heap view of a Heap.
type impl[T any] Heap[T]

func (h *impl[T]) Len() int           { return len(h.items) }
func (h *impl[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *impl[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *impl[T]) Push(x any)         { h.items = append(h.items, x.(T)) }
func (h *impl[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
