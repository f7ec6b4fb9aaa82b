package crypto

import (
	"bytes"
	"errors"
	"testing"
)

// Products and inverses from FIPS-197 (4.2, 4.4) and the field's
// definition.
func TestGFKnownAnswers(t *testing.T) {
	for _, c := range []struct{ a, b, want byte }{
		{0x57, 0x83, 0xc1}, {0x57, 0x13, 0xfe}, {0x57, 0x02, 0xae}, {0x57, 0x04, 0x47},
		{0x57, 0x08, 0x8e}, {0x57, 0x10, 0x07}, {0x53, 0xca, 0x01}, {0x00, 0xff, 0x00}, {0x01, 0x9a, 0x9a},
	} {
		if got := gfMul(c.a, c.b); got != c.want {
			t.Errorf("%#02x·%#02x = %#02x; want %#02x", c.a, c.b, got, c.want)
		}
		if got := gfMul(c.b, c.a); got != c.want {
			t.Errorf("%#02x·%#02x = %#02x; want %#02x (commuted)", c.b, c.a, got, c.want)
		}
	}
	if got := gfInv(0x53); got != 0xca {
		t.Errorf("inverse of 0x53 = %#02x; want 0xca", got)
	}
	for a := 1; a < 256; a++ {
		if gfMul(byte(a), gfInv(byte(a))) != 1 {
			t.Fatalf("%#02x has no inverse", a)
		}
	}
}

// Shares worked out by hand: secret 0x42 with coefficient 0x17 (2 of n),
// and 0x01 with coefficients 0x02, 0x03 (3 of n).
func TestShamirKnownAnswers(t *testing.T) {
	for _, c := range []struct {
		name      string
		secret    []byte
		threshold int
		coeffs    []byte
		want      []byte // y at x = 1, 2, 3
	}{
		{"2 of 3", []byte{0x42}, 2, []byte{0x17}, []byte{0x55, 0x6c, 0x7b}},
		{"3 of 3", []byte{0x01}, 3, []byte{0x02, 0x03}, []byte{0x00, 0x09, 0x08}},
	} {
		t.Run(c.name, func(t *testing.T) {
			shares := split(c.secret, 3, c.threshold, c.coeffs)
			for i, s := range shares {
				if s.X != byte(i+1) || !bytes.Equal(s.Y, c.want[i:i+1]) {
					t.Errorf("share %d = %d:%x; want %d:%x", i, s.X, s.Y, i+1, c.want[i])
				}
			}
			got, err := Combine(shares[:c.threshold])
			if err != nil || !bytes.Equal(got, c.secret) {
				t.Errorf("combine = %x, %v; want %x", got, err, c.secret)
			}
		})
	}
}

// subsets calls f with every subset of n indexes.
func subsets(n int, f func([]int)) {
	for mask := 1; mask < 1<<n; mask++ {
		var idx []int
		for i := range n {
			if mask&(1<<i) != 0 {
				idx = append(idx, i)
			}
		}
		f(idx)
	}
}

func TestShamirEverySubset(t *testing.T) {
	secret := []byte("root password: correct horse battery staple")
	for _, c := range []struct{ n, m int }{{2, 2}, {3, 2}, {3, 3}, {5, 3}, {7, 4}} {
		shares, err := Split(secret, c.n, c.m)
		if err != nil {
			t.Fatal(err)
		}
		subsets(c.n, func(idx []int) {
			var pick []Share
			for _, i := range idx {
				pick = append(pick, shares[i])
			}
			got, err := Combine(pick)
			if err != nil {
				t.Fatalf("%d of %d, shares %v: %v", c.m, c.n, idx, err)
			}
			if len(idx) >= c.m && !bytes.Equal(got, secret) {
				t.Errorf("%d of %d: shares %v do not give the secret back", c.m, c.n, idx)
			}
			if len(idx) < c.m && bytes.Equal(got, secret) {
				t.Errorf("%d of %d: only %d shares %v gave the secret", c.m, c.n, len(idx), idx)
			}
		})
	}
}

// Fewer than threshold shares say nothing: with one share of a 2-of-n
// split fixed, every secret byte is equally consistent with it, because
// every coefficient is. Shown exhaustively for one byte.
func TestShamirBelowThresholdRevealsNothing(t *testing.T) {
	const y, x = 0x5a, 3
	found := map[byte]int{}
	for s := range 256 {
		for c := range 256 {
			if split([]byte{byte(s)}, 3, 2, []byte{byte(c)})[x-1].Y[0] == y {
				found[byte(s)]++
			}
		}
	}
	if len(found) != 256 {
		t.Fatalf("share %d = %#02x fits %d secrets; want all 256", x, y, len(found))
	}
	for s, n := range found {
		if n != 1 {
			t.Fatalf("secret %#02x fits %d coefficients; want exactly 1", s, n)
		}
	}
}

func TestShamirRefusals(t *testing.T) {
	for _, c := range []struct{ n, m int }{{0, 1}, {256, 2}, {3, 4}, {3, 0}} {
		if _, err := Split([]byte("x"), c.n, c.m); err == nil {
			t.Errorf("split %d of %d: no error", c.m, c.n)
		}
	}
	if _, err := Split(nil, 3, 2); err == nil {
		t.Error("split of nothing: no error")
	}
	shares, _ := Split([]byte("secret"), 3, 2)
	other, _ := Split([]byte("longer secret"), 3, 2)
	for name, set := range map[string][]Share{
		"none":     nil,
		"repeated": {shares[0], shares[0]},
		"x = 0":    {{X: 0, Y: shares[0].Y}, shares[1]},
		"lengths":  {shares[0], other[1]},
	} {
		if _, err := Combine(set); !errors.Is(err, ErrShares) {
			t.Errorf("%s: %v; want ErrShares", name, err)
		}
	}
}

func TestShamirThresholdOne(t *testing.T) {
	shares, err := Split([]byte("k"), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shares {
		if string(s.Y) != "k" {
			t.Errorf("threshold 1: share %d is %q; want the secret", s.X, s.Y)
		}
	}
}
