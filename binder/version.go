package binder

import (
	"fmt"
	"slices"

	bcrypto "gobag/crypto"
)

// openVersion is the one way a record version is read from its files: it
// parses the envelope, checks that it names id and, with key, that its
// author's key signed it; then checks the ciphertext against the envelope,
// decrypts it with the binder's identity and checks that the plaintext is
// the version the envelope names. key is nil where the history holding
// the version was verified already (a merge reads verified commits).
func (b *Binder) openVersion(id string, envData, ct []byte, key func(handle string) (bcrypto.PublicKey, bool)) (*Record, *Envelope, error) {
	env, err := ParseEnvelope(envData)
	if err != nil {
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: %v", id, err)
	}
	if env.ID != id {
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: envelope names %s", id, env.ID)
	}
	if key != nil {
		k, ok := key(env.Author)
		if !ok {
			return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s rev %d: author %q is not a member", id, env.Rev, env.Author)
		}
		if err := env.verify(k); err != nil {
			return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "%v", err)
		}
	}
	agePath, envPath := recordPath(id)
	if env.Deleted {
		return &Record{ID: id, Rev: env.Rev, Author: env.Author, Path: envPath, Deleted: true, Kind: "deleted", Updated: env.Time}, env, nil
	}
	audience := ""
	if len(env.Audience) > 0 {
		audience = env.Audience[0]
	}
	if !slices.Contains(env.Audience[min(1, len(env.Audience)):], b.id.Handle) {
		// Not for this identity: what the envelope says is all there is.
		return &Record{ID: id, Kind: env.Kind, Rev: env.Rev, Author: env.Author, Path: agePath, Updated: env.Time, Audience: audience, Unreadable: true}, env, nil
	}
	if len(ct) > MaxCiphertextBytes {
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s rev %d: its ciphertext is %d bytes, over the limit of %d", id, env.Rev, len(ct), MaxCiphertextBytes)
	}
	if hashHex(ct) != env.Ciphertext {
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s rev %d: ciphertext does not match its envelope", id, env.Rev)
	}
	plain, err := bcrypto.Decrypt(ct, b.id.AgeIdentity())
	if KindOf(err) == CannotDecrypt {
		// Its envelope lists this identity, but its author encrypted it
		// to other keys: shown as unreadable, not a reason to refuse the
		// whole binder.
		b.warn(fmt.Sprintf("record %s rev %d by %s lists you in its audience but is not encrypted to your key: ask %s to save it again", id, env.Rev, env.Author, env.Author))
		return &Record{ID: id, Kind: env.Kind, Rev: env.Rev, Author: env.Author, Path: agePath, Updated: env.Time, Audience: audience, Unreadable: true}, env, nil
	}
	if err != nil {
		return nil, nil, &Error{Kind: KindOf(err), Err: fmt.Errorf("record %s: %w", id, err)}
	}
	if len(plain) > MaxRecordBytes {
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s rev %d: its plaintext is %d bytes, over the limit of %d", id, env.Rev, len(plain), MaxRecordBytes)
	}
	r, err := ParseRecord(plain)
	if err != nil {
		// The parse error may quote the content: say only that it failed.
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: stored plaintext is not a valid record", id)
	}
	if r.ID != id || r.Rev != env.Rev {
		return nil, nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: plaintext says %s rev %d, envelope rev %d", id, r.ID, r.Rev, env.Rev)
	}
	if env.Kind != "" && r.Kind != env.Kind {
		// Only a reader sees this (verify cannot): the record is shown
		// as damaged, not a reason to refuse the whole binder; a manager
		// can delete it.
		b.warn(fmt.Sprintf("record %s rev %d by %s says it is a %s, but its envelope a %s: it is shown as unreadable; delete it and ask %s", id, env.Rev, env.Author, r.Kind, env.Kind, env.Author))
		return &Record{ID: id, Kind: env.Kind, Rev: env.Rev, Author: env.Author, Path: agePath, Updated: env.Time, Audience: audience, Unreadable: true}, env, nil
	}
	if err := checkSealed(r, env); err != nil {
		return nil, nil, err
	}
	r.Author, r.Path, r.Audience = env.Author, agePath, audience
	return r, env, nil
}

// checkSealed holds a version to its kind's append-only rule, which only
// a reader can see (verify sees envelopes, not kinds): an append-only
// record is never revised, and only an append-only record is sealed.
// Entries written before format 3 are not sealed; they may stand at
// rev 1.
func checkSealed(r *Record, env *Envelope) error {
	spec, _ := KindByName(r.Kind)
	switch {
	case env.Sealed && !spec.AppendOnly:
		return fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: sealed as append-only, but a %s is not", r.ID, r.Kind)
	case spec.AppendOnly && r.Rev > 1:
		return fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: a %s entry is append-only, but this is its rev %d", r.ID, r.Kind, r.Rev)
	}
	return nil
}
