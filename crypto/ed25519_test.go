package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"testing"

	"filippo.io/edwards25519"
)

// RFC 8032 section 7.1, tests 1 to 3.
var rfc8032 = []struct{ seed, pub, msg, sig string }{
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
		"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEd25519KnownAnswers(t *testing.T) {
	for i, v := range rfc8032 {
		priv := ed25519.NewKeyFromSeed(unhex(t, v.seed))
		pub, msg, sig := unhex(t, v.pub), unhex(t, v.msg), unhex(t, v.sig)
		if got := ed25519.Sign(priv, msg); !bytes.Equal(got, sig) {
			t.Fatalf("vector %d: signature differs from RFC 8032", i+1)
		}
		if !verifyEd25519(pub, msg, sig) {
			t.Errorf("vector %d: got invalid; want valid", i+1)
		}
		if verifyEd25519(pub, append(msg, 0), sig) {
			t.Errorf("vector %d: other message: got valid; want invalid", i+1)
		}
	}
}

// TestBatchAgreesWithOneByOne checks, over many batches with bad
// signatures in varying places, that a batch finds exactly the bad ones
// and that its verdicts match crypto/ed25519's.
func TestBatchAgreesWithOneByOne(t *testing.T) {
	var keys []PublicKey
	var privs []ed25519.PrivateKey
	for range 3 {
		pub, priv, _ := ed25519.GenerateKey(nil)
		keys = append(keys, PublicKey{key: pub})
		privs = append(privs, priv)
	}
	for round := range 20 {
		var b Batch
		var want []bool
		for i := range 40 {
			k := (i + round) % len(keys)
			msg := fmt.Appendf(nil, "envelope %d of round %d", i, round)
			sig := ed25519.Sign(privs[k], msg)
			good := true
			// Round 0 has no bad signature at all.
			switch tamper := (i * 7 * (round + 1)) % 23; {
			case round == 0:
			case tamper == 3:
				sig[5] ^= 1 // flipped bit in R
				good = false
			case tamper == 11:
				msg = append(msg, '!') // signed something else
				good = false
			case tamper == 17:
				k = (k + 1) % len(keys) // claimed by another key
				good = false
			}
			if ed25519.Verify(keys[k].key, msg, sig) != good {
				t.Fatal("test set-up: crypto/ed25519 disagrees with the intended verdict")
			}
			b.Add(keys[k], msg, sig)
			want = append(want, good)
		}
		got := b.Verify()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("round %d signature %d: got %v; want %v", round, i, got[i], want[i])
			}
		}
	}
}

func TestNonCanonicalSignaturesAreRejected(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("m")
	sig := ed25519.Sign(priv, msg)
	// s + L encodes the same scalar non-canonically.
	s, _ := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	big := addL(s.Bytes())
	if big != nil {
		bad := append(append([]byte{}, sig[:32]...), big...)
		if verifyEd25519(pub, msg, bad) || ed25519.Verify(pub, msg, bad) {
			t.Error("s + L accepted")
		}
	}
	if verifyEd25519(pub, msg, sig[:63]) {
		t.Error("short signature accepted")
	}
	var b Batch
	b.Add(PublicKey{key: pub}, msg, sig[:63])
	b.Add(PublicKey{key: pub}, msg, sig)
	if got := b.Verify(); got[0] || !got[1] {
		t.Errorf("got %v; want [false true]", got)
	}
}

// addL returns s + L as 32 little-endian bytes, or nil if it overflows.
func addL(s []byte) []byte {
	l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	out := make([]byte, 32)
	carry := 0
	for i := range 32 {
		v := int(s[i]) + int(l[i]) + carry
		out[i], carry = byte(v), v>>8
	}
	if carry != 0 || out[31]&0xe0 != 0 {
		return nil
	}
	return out
}

// TestCofactoredRuleDiffersOnlyOnCraftedSignatures shows the one documented
// difference from crypto/ed25519: a signature made with the private key
// and an R that carries a small-order component.
func TestCofactoredRuleDiffersOnlyOnCraftedSignatures(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	h := sha512.Sum512(priv.Seed())
	a, _ := new(edwards25519.Scalar).SetBytesWithClamping(h[:32])
	r, _ := new(edwards25519.Scalar).SetUniformBytes(bytes.Repeat([]byte{7}, 64))
	// (0, −1): the point of order 2.
	t2, err := new(edwards25519.Point).SetBytes(unhex(t, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))
	if err != nil {
		t.Fatal(err)
	}
	R := new(edwards25519.Point).ScalarBaseMult(r)
	R.Add(R, t2)
	msg := []byte("crafted")
	d := sha512.New()
	d.Write(R.Bytes())
	d.Write(pub)
	d.Write(msg)
	k, _ := new(edwards25519.Scalar).SetUniformBytes(d.Sum(nil))
	s := new(edwards25519.Scalar).MultiplyAdd(k, a, r)
	sig := append(R.Bytes(), s.Bytes()...)
	if ed25519.Verify(pub, msg, sig) {
		t.Fatal("crypto/ed25519 accepts it; the test no longer shows the difference")
	}
	if !verifyEd25519(pub, msg, sig) {
		t.Fatal("the cofactored rule rejects it")
	}
	var b Batch
	b.Add(PublicKey{key: pub}, msg, sig)
	b.Add(PublicKey{key: pub}, msg, ed25519.Sign(priv, msg))
	if got := b.Verify(); !got[0] || !got[1] {
		t.Fatalf("batch: got %v; want both valid, as one by one", got)
	}
}

func BenchmarkVerifyOne(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("a record envelope of a few hundred bytes")
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		if !verifyEd25519(pub, msg, sig) {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkVerifyBatch256(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	var batch Batch
	for i := range 256 {
		msg := fmt.Appendf(nil, "envelope %d", i)
		batch.Add(PublicKey{key: pub}, msg, ed25519.Sign(priv, msg))
	}
	for b.Loop() {
		for _, ok := range batch.Verify() {
			if !ok {
				b.Fatal("invalid")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/signature")
}
