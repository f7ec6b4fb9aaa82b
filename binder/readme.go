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

(or use the identity file itself if it is unencrypted). Then:

    git log --stat                                 # history: who changed what, when
    git ls-tree -r --name-only HEAD records/       # every record file
    git show HEAD:records/a/b/ab….age | age -d -i key.txt

Each record is a pair of files named by an opaque id: ID.age is the
ciphertext, ID.env its signed envelope (id, revision, hashes, author).
The decrypted text is a TOML header between +++ lines, then Markdown.
A record whose .env says "state: deleted" was deleted; its earlier
versions are still in the history: git log -- 'records/*/*/ID.*'

To find a record by title without gobag, decrypt them all:

    for f in $(git ls-tree -r --name-only HEAD records/ | grep '\.age$'); do
      echo "== $f"; git show HEAD:$f | age -d -i key.txt | sed -n '2,6p'
    done

## Checking authenticity

Commits are SSH-signed by members listed in .gobag/roster.toml:

    git show HEAD:.gobag/allowed_signers > allowed_signers
    git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit HEAD

The full check (envelopes, roster, history) is "gobag verify".
The on-disk format is specified in gobag's docs/FORMAT.md.

Created by gobag, format %d. The binder's name is in its encrypted
settings record, like everything else that names the organisation.
`, fingerprint, FormatVersion)
}
