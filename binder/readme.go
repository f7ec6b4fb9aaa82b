package binder

import "fmt"

// readmeText is the plaintext README.md every new binder carries, so that
// whoever finds the repository can read it with git and age alone.
func readmeText(fingerprint string) []byte {
	return fmt.Appendf(nil, `# gobag continuity binder

This git repository is a gobag binder: continuity plans, contacts,
runbooks, systems and recovery records, each encrypted with age and signed.
Binder fingerprint (compare it out of band before trusting a copy):

    %s

## Reading it without gobag

You need git, the age command-line tool (any version; X25519 keys only) and
your age identity. Export it from gobag with:

    gobag id export --plain > key.txt

(or use the identity file itself if it is unencrypted). Read the branch
main by name, never HEAD, and with git's replace refs and grafts turned
off, so that git shows the objects the binder holds and not substitutes
someone put beside them:

    export GIT_NO_REPLACE_OBJECTS=1                # ignore refs/replace and grafts
    git log --stat main                            # history: who changed what, when
    git ls-tree -r --name-only main records/       # every record file
    git show main:records/a/b/ab….age | age -d -i key.txt

Each record is a pair of files named by an opaque id: ID.age is the
ciphertext, ID.env its signed envelope (id, revision, hashes, author).
The decrypted text is a TOML header between +++ lines, then Markdown.
A record whose .env says "state: deleted" was deleted; its earlier
versions are still in the history: git log -- 'records/*/*/ID.*'
A record's .env names its audience and the handles it is encrypted for:
it decrypts only with those members' keys, or with the binder's recovery
key (kept in a safe) if it has one. audit/ holds the signed log of
member changes, plan approvals and escrowed secrets' requests, approvals
and openings, one plaintext entry a file; an escrowed value itself opens
only with enough of its custodians' shares (gobag secret).

To find a record by title without gobag, decrypt them all:

    for f in $(git ls-tree -r --name-only main records/ | grep '\.age$'); do
      echo "== $f"; git show main:$f | age -d -i key.txt | sed -n '2,6p'
    done

## Checking authenticity

First check that this is the binder you mean: its fingerprint is the
SHA-256 of the first roster. Compare what this prints with the
fingerprint a member gave you out of band (not the one in this file,
which whoever wrote the copy also wrote):

    first=$(git rev-list --max-parents=0 main)
    echo SHA256:$(git show $first:.gobag/roster.toml | openssl dgst -sha256 -binary | base64 | tr -d =)

Commits are SSH-signed by members listed in .gobag/roster.toml. Take the
signers from the first commit, whose roster you just checked, and check
the newest commit with them:

    git show $first:.gobag/allowed_signers > allowed_signers
    git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit main

This holds when the newest commit was signed by a first member. A member
added later signs with a key that only the roster change adding them,
signed by a manager, vouches for; the full check (envelopes, every
roster change, the whole history) is "gobag verify".
The on-disk format is specified in gobag's docs/FORMAT.md.

Created by gobag, format %d. The binder's name is in its encrypted
settings record, like everything else that names the organisation.
`, fingerprint, FormatVersion)
}
