package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// SSHSIG (OpenSSH's PROTOCOL.sshsig) signatures, as git writes and checks
// for commits when gpg.format=ssh.

const (
	sshsigMagic   = "SSHSIG"
	sshsigVersion = 1
	sshsigHash    = "sha512"
	sshsigPEMType = "SSH SIGNATURE"
	// GitNamespace is the SSHSIG namespace git uses for commits.
	GitNamespace = "git"
)

type sshsigSigned struct {
	Namespace string
	Reserved  string
	HashAlg   string
	Hash      string
}

type sshsigBlob struct {
	Version   uint32
	PublicKey string
	Namespace string
	Reserved  string
	HashAlg   string
	Signature string
}

func sshsigToSign(namespace string, msg []byte) []byte {
	h := sha512.Sum512(msg)
	return append([]byte(sshsigMagic), ssh.Marshal(sshsigSigned{
		Namespace: namespace, HashAlg: sshsigHash, Hash: string(h[:]),
	})...)
}

// SignSSH returns an armored SSHSIG signature of msg by the identity's
// signing key in namespace.
func (id *Identity) SignSSH(namespace string, msg []byte) ([]byte, error) {
	pub, err := ssh.NewPublicKey(id.sign.Public())
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(id.sign, sshsigToSign(namespace, msg))
	wire := ssh.Marshal(ssh.Signature{Format: ssh.KeyAlgoED25519, Blob: sig})
	blob := append([]byte(sshsigMagic), ssh.Marshal(sshsigBlob{
		Version:   sshsigVersion,
		PublicKey: string(pub.Marshal()),
		Namespace: namespace,
		HashAlg:   sshsigHash,
		Signature: string(wire),
	})...)
	return armorSSHSIG(blob), nil
}

// armorSSHSIG wraps blob the way ssh-keygen does: base64 in 70-column lines.
func armorSSHSIG(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.WriteString("-----BEGIN SSH SIGNATURE-----\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70])
		b.WriteByte('\n')
		enc = enc[70:]
	}
	b.WriteString(enc)
	b.WriteString("\n-----END SSH SIGNATURE-----\n")
	return b.Bytes()
}

// VerifySSH checks an armored SSHSIG signature over msg in namespace and
// returns the key that made it. The caller decides whether that key is
// allowed.
func VerifySSH(armored []byte, namespace string, msg []byte) (PublicKey, error) {
	key, signed, sig, err := ParseSSH(armored, namespace, msg)
	if err != nil {
		return PublicKey{}, err
	}
	if err := key.Verify(signed, sig); err != nil {
		return PublicKey{}, err
	}
	return key, nil
}

// ParseSSH reads an armored SSHSIG signature over msg in namespace without
// checking it: it returns the key that claims it, the bytes that key
// signed and the raw Ed25519 signature, for [PublicKey.Verify] or a
// [Batch].
func ParseSSH(armored []byte, namespace string, msg []byte) (key PublicKey, signed, sig []byte, err error) {
	block, _ := pem.Decode(armored)
	if block == nil || block.Type != sshsigPEMType {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: not an SSH signature: %w", ErrMalformed)
	}
	raw, ok := bytes.CutPrefix(block.Bytes, []byte(sshsigMagic))
	if !ok {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: no magic: %w", ErrMalformed)
	}
	var blob sshsigBlob
	if err := ssh.Unmarshal(raw, &blob); err != nil {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: %w: %v", ErrMalformed, err)
	}
	if blob.Version != sshsigVersion || blob.HashAlg != sshsigHash {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: unsupported version or hash: %w", ErrMalformed)
	}
	if blob.Namespace != namespace {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: namespace %q, want %q: %w", blob.Namespace, namespace, ErrBadSignature)
	}
	pub, err := ssh.ParsePublicKey([]byte(blob.PublicKey))
	if err != nil {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: public key: %w", ErrMalformed)
	}
	cpk, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: %w", ErrMalformed)
	}
	ek, ok := cpk.CryptoPublicKey().(ed25519.PublicKey)
	if !ok {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: only ed25519 keys are accepted: %w", ErrBadSignature)
	}
	var ws ssh.Signature
	if err := ssh.Unmarshal([]byte(blob.Signature), &ws); err != nil || ws.Format != ssh.KeyAlgoED25519 {
		return PublicKey{}, nil, nil, fmt.Errorf("sshsig: signature: %w", ErrMalformed)
	}
	return PublicKey{key: ek}, sshsigToSign(namespace, msg), ws.Blob, nil
}
