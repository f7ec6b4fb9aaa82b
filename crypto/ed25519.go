package crypto

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// Ed25519 verification, one signature at a time or many at once.
//
// Both use the cofactored equation [8]([s]B − R − [k]A) = 0, so that a
// batch and its one-by-one fallback always agree on every signature. For
// any signature made by RFC 8032 signing this is the same verdict as the
// cofactorless check of crypto/ed25519; they can differ only on a
// signature built on purpose, with the private key, to have a small-order
// component. As crypto/ed25519 does, s must be canonical (s < L) and R
// must be the canonical encoding of a point.

// sigItem is one parsed signature, ready for the equation.
type sigItem struct {
	pub  [32]byte
	a    *edwards25519.Point
	r    *edwards25519.Point
	s, k *edwards25519.Scalar
}

// prepare parses a signature over msg by pub; it fails on malformed input.
// keys, if not nil, caches decoded public keys across calls.
func prepare(pub, msg, sig []byte, keys map[[32]byte]*edwards25519.Point) (sigItem, bool) {
	if len(pub) != 32 || len(sig) != 64 {
		return sigItem{}, false
	}
	var a *edwards25519.Point
	var pk [32]byte
	copy(pk[:], pub)
	if a = keys[pk]; a == nil {
		var err error
		if a, err = new(edwards25519.Point).SetBytes(pub); err != nil {
			return sigItem{}, false
		}
		if keys != nil {
			keys[pk] = a
		}
	}
	r, err := new(edwards25519.Point).SetBytes(sig[:32])
	if err != nil || !bytes.Equal(r.Bytes(), sig[:32]) {
		return sigItem{}, false
	}
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	if err != nil {
		return sigItem{}, false
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(pub)
	h.Write(msg)
	k, err := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	if err != nil {
		return sigItem{}, false
	}
	it := sigItem{a: a, r: r, s: s, k: k}
	copy(it.pub[:], pub)
	return it, true
}

// check verifies one prepared signature.
func (it sigItem) check() bool {
	negK := new(edwards25519.Scalar).Negate(it.k)
	p := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(negK, it.a, it.s) // [s]B − [k]A
	p.Subtract(p, it.r)
	return p.MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1
}

// verifyEd25519 checks one signature.
func verifyEd25519(pub, msg, sig []byte) bool {
	it, ok := prepare(pub, msg, sig, nil)
	return ok && it.check()
}

// Batch collects Ed25519 signatures and checks them together, which costs
// about half as much per signature as checking each alone. Its verdict on
// each signature is the same as [PublicKey.Verify]'s.
type Batch struct {
	keys []PublicKey
	msgs [][]byte
	sigs [][]byte
}

// Add queues a signature by key over msg and returns its position.
func (b *Batch) Add(key PublicKey, msg, sig []byte) int {
	b.keys = append(b.keys, key)
	b.msgs = append(b.msgs, msg)
	b.sigs = append(b.sigs, sig)
	return len(b.keys) - 1
}

// Len returns the number of signatures queued.
func (b *Batch) Len() int { return len(b.keys) }

// Verify checks every queued signature and reports, by position, which
// hold. If the combined check fails, each signature is checked alone to
// find the bad ones.
func (b *Batch) Verify() []bool {
	ok := make([]bool, len(b.keys))
	items := make([]sigItem, 0, len(b.keys))
	pos := make([]int, 0, len(b.keys))
	// A batch is mostly signed by a few keys: decode each once.
	keys := map[[32]byte]*edwards25519.Point{}
	for i := range b.keys {
		if it, good := prepare(b.keys[i].key, b.msgs[i], b.sigs[i], keys); good {
			items = append(items, it)
			pos = append(pos, i)
		}
	}
	if len(items) == 0 {
		return ok
	}
	if len(items) == 1 || !batchHolds(items) {
		for j, it := range items {
			ok[pos[j]] = it.check()
		}
		return ok
	}
	for _, i := range pos {
		ok[i] = true
	}
	return ok
}

// batchHolds checks [8]([Σzs]B − Σ[z]R − Σ[zk]A) = 0 for random 128-bit
// z, one per signature: it holds for all valid signatures, and for any
// invalid one only with probability 2⁻¹²⁸ over the choice of z.
func batchHolds(items []sigItem) bool {
	scalars := make([]*edwards25519.Scalar, 0, 2*len(items)+1)
	points := make([]*edwards25519.Point, 0, 2*len(items)+1)
	sumS := edwards25519.NewScalar()
	// One term per distinct key: Σ over its signatures of z·k.
	keyTerm := map[[32]byte]*edwards25519.Scalar{}
	var keyOrder [][32]byte
	keyPoint := map[[32]byte]*edwards25519.Point{}
	var zb [32]byte
	for _, it := range items {
		if _, err := rand.Read(zb[:16]); err != nil {
			return false
		}
		z, err := new(edwards25519.Scalar).SetCanonicalBytes(zb[:])
		if err != nil {
			return false
		}
		sumS.MultiplyAdd(z, it.s, sumS)
		scalars = append(scalars, new(edwards25519.Scalar).Negate(z))
		points = append(points, it.r)
		ak := it.pub
		t, seen := keyTerm[ak]
		if !seen {
			t = edwards25519.NewScalar()
			keyTerm[ak] = t
			keyPoint[ak] = it.a
			keyOrder = append(keyOrder, ak)
		}
		t.MultiplyAdd(z, it.k, t)
	}
	for _, ak := range keyOrder {
		scalars = append(scalars, new(edwards25519.Scalar).Negate(keyTerm[ak]))
		points = append(points, keyPoint[ak])
	}
	scalars = append(scalars, sumS)
	points = append(points, edwards25519.NewGeneratorPoint())
	p := new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	return p.MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1
}
