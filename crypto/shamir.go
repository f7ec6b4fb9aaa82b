package crypto

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// Shamir's secret sharing over GF(2^8), the field of AES (reduction
// polynomial x^8 + x^4 + x^3 + x + 1, 0x11b). Each byte of the secret is
// the constant term of its own random polynomial of degree threshold−1;
// share x holds every polynomial's value at x (1 to 255). Any threshold
// shares give the polynomials back by Lagrange interpolation at 0; fewer
// give every secret of that length with equal probability.

// Share is one share of a secret: its x coordinate (1 to 255) and the
// polynomials' values there, one byte per byte of the secret.
type Share struct {
	X byte
	Y []byte
}

// ErrShares means a set of shares cannot be combined: too few, repeated,
// of different lengths or with x = 0.
var ErrShares = errors.New("shares do not combine")

// gfMul multiplies in GF(2^8) without tables or branches on its inputs, so
// that its time does not depend on the secret.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= -(b & 1) & a
		hi := -(a >> 7)
		a = a<<1 ^ hi&0x1b
		b >>= 1
	}
	return p
}

// gfInv is a's multiplicative inverse (a^254); gfInv(0) is 0.
func gfInv(a byte) byte {
	// a^254 = a^(2+4+8+16+32+64+128), by repeated squaring.
	r, sq := byte(1), a
	for range 7 {
		sq = gfMul(sq, sq)
		r = gfMul(r, sq)
	}
	return r
}

// Split divides secret into n shares, any threshold of which recover it.
// It needs 2 ≤ threshold ≤ n ≤ 255, or threshold 1, which gives every
// share the secret itself (allowed only where a binder says so).
func Split(secret []byte, n, threshold int) ([]Share, error) {
	switch {
	case len(secret) == 0:
		return nil, fmt.Errorf("split: empty secret")
	case n < 1 || n > 255:
		return nil, fmt.Errorf("split: %d shares (1 to 255)", n)
	case threshold < 1 || threshold > n:
		return nil, fmt.Errorf("split: threshold %d of %d shares", threshold, n)
	}
	coeffs := make([]byte, (threshold-1)*len(secret))
	if _, err := rand.Read(coeffs); err != nil {
		return nil, err
	}
	defer clear(coeffs)
	return split(secret, n, threshold, coeffs), nil
}

// split evaluates the polynomials whose constant terms are secret's bytes
// and whose other coefficients are coeffs: coefficient k (1 to
// threshold−1) of byte j is coeffs[(k−1)·len(secret)+j].
func split(secret []byte, n, threshold int, coeffs []byte) []Share {
	shares := make([]Share, n)
	for i := range shares {
		x := byte(i + 1)
		y := make([]byte, len(secret))
		for j, s := range secret {
			// Horner: ((c_{t-1} x + c_{t-2}) x + … + c_1) x + s.
			var acc byte
			for k := threshold - 2; k >= 0; k-- {
				acc = gfMul(acc, x) ^ coeffs[k*len(secret)+j]
			}
			y[j] = gfMul(acc, x) ^ s
		}
		shares[i] = Share{X: x, Y: y}
	}
	return shares
}

// Combine interpolates the shares at 0. Given threshold or more shares of
// one split it returns the secret; given fewer, or shares of different
// splits, it returns bytes unrelated to any secret, so a caller checks the
// result (gobag's escrow opens an authenticated ciphertext with it).
func Combine(shares []Share) ([]byte, error) {
	if len(shares) == 0 {
		return nil, fmt.Errorf("%w: none given", ErrShares)
	}
	size := len(shares[0].Y)
	seen := map[byte]bool{}
	for _, s := range shares {
		switch {
		case s.X == 0:
			return nil, fmt.Errorf("%w: a share has x = 0", ErrShares)
		case seen[s.X]:
			return nil, fmt.Errorf("%w: share %d given twice", ErrShares, s.X)
		case len(s.Y) != size || size == 0:
			return nil, fmt.Errorf("%w: shares of different lengths", ErrShares)
		}
		seen[s.X] = true
	}
	out := make([]byte, size)
	for i, si := range shares {
		// Lagrange basis at 0: Π x_j / (x_j − x_i), minus being xor.
		num, den := byte(1), byte(1)
		for j, sj := range shares {
			if i != j {
				num = gfMul(num, sj.X)
				den = gfMul(den, sj.X^si.X)
			}
		}
		l := gfMul(num, gfInv(den))
		for k := range out {
			out[k] ^= gfMul(l, si.Y[k])
		}
	}
	return out, nil
}
