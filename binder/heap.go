package binder

import "container/heap"

// ranked is a heap of items ordered by less: its top is the least. The
// recovery order takes the most critical ready system from one; a search
// keeps its best hits in one (its top is then the worst kept).
type ranked[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h *ranked[T]) Len() int           { return len(h.items) }
func (h *ranked[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *ranked[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *ranked[T]) Push(x any)         { h.items = append(h.items, x.(T)) }
func (h *ranked[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (h *ranked[T]) push(x T) { heap.Push(h, x) }
func (h *ranked[T]) pop() T   { return heap.Pop(h).(T) }
