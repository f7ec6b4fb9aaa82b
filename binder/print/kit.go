package print

import (
	"fmt"
	"sort"
	"strings"

	"filippo.io/age"

	"gobag/binder/qr"
)

// RecoveryKit lays out the paper recovery kit: the binder's fingerprint,
// where its copies are, the recovery key as text and as a QR code, the
// commands that recover every record with git and age alone, and who
// holds each escrowed credential. key is the recovery key
// (AGE-SECRET-KEY-…); recipient is the binder's recovery recipient, which
// it must match.
func RecoveryKit(src *Source, key, recipient string, paper Paper) (*Document, error) {
	if paper.W == 0 {
		paper = A4
	}
	if recipient == "" {
		return nil, fmt.Errorf("the binder has no recovery key: make one with gobag recovery-key new, then print its kit")
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(key))
	if err != nil {
		return nil, fmt.Errorf("the recovery key: %v", err)
	}
	if id.Recipient().String() != recipient {
		return nil, fmt.Errorf("this key is not the binder's recovery key (the binder's recovery recipient is %s)", recipient)
	}
	key = id.String()
	ix := newIndex(src)
	doc := &Document{Title: src.Name + ": recovery kit", paper: paper}
	w := newWriter(doc)
	w.newPage(false)
	w.heading(1, "Recovery kit: "+src.Name)
	w.para([]span{{st: bold, text: "Keep this in a safe. Whoever holds it reads every record of the binder, with nothing but git and age. ", col: red},
		{text: "It does not open escrowed secrets, which need their custodians; it does not let anyone change the binder, which needs a member's signing key."}},
		w.left(), w.textWidth(), bodySize)
	w.space(6)
	w.keyValues([][2]string{
		{"Binder fingerprint", src.Fingerprint},
		{"Recovery recipient", recipient},
		{"Printed", src.Now.Format("2006-01-02 15:04 MST") + " by " + src.PrintedBy + ", at commit " + short(src.Commit)},
	})
	w.heading(2, "The recovery key")
	img, err := qr.Image([]byte(key), 360)
	if err != nil {
		return nil, err
	}
	side := 150.0
	w.need(side + 30)
	w.image(img, w.left(), w.y, side, side)
	w.para(plain("Scan the code, or type the key exactly as printed here. It is one line; its characters are letters and digits only."), w.left()+side+14, w.textWidth()-side-14, bodySize)
	w.y += side + 6
	w.codeLine(key)
	w.space(6)

	w.heading(2, "Where the copies are")
	if len(src.Remotes) == 0 {
		w.none("This copy has no remote: find a member's copy of the binder, a directory with a .git inside.")
	}
	for _, r := range src.Remotes {
		w.para([]span{{st: bold, text: r.Name + ": "}, {st: mono, text: r.URL}}, w.left(), w.textWidth(), bodySize)
	}
	w.space(4)
	w.heading(2, "Recovering the records with git and age")
	w.body(plain("On any machine with git and age (any version), in an empty directory, type these commands. The first writes the key to a file; the second fetches a copy (from the first place above, or give another); the last prints the start of every record."))
	w.space(4)
	url := "DIRECTORY-OF-A-COPY"
	if len(src.Remotes) > 0 {
		url = src.Remotes[0].URL
	}
	w.codeLine("$ printf '%s\\n' '" + key + "' > recovery-key.txt")
	w.codeLine("$ git clone --no-checkout --branch main -- " + shellQuote(url) + " binder")
	w.codeLine("$ cd binder")
	w.codeLine("$ export GIT_NO_REPLACE_OBJECTS=1")
	w.codeLine("$ git log -1 --format='%H %ci' main")
	w.codeLine("$ git ls-tree -r --name-only main records/ | grep '[.]age$' > files.txt")
	w.codeLine("$ for f in $(cat files.txt); do echo \"== $f\"; git show main:$f | age -d -i ../recovery-key.txt | sed -n 2,6p; done")
	w.space(4)
	w.para([]span{{text: "To read one record whole, take its name from files.txt: "}, {st: mono, text: "git show main:NAME | age -d -i ../recovery-key.txt"}, {text: ". Each record is a TOML header between +++ lines (its title, then its fields), then Markdown. The latest commit printed by git log should be the commit above or a later one; gobag, on a machine that has it, verifies every signature. A record whose .env file says state: deleted was deleted."}}, w.left(), w.textWidth(), bodySize)

	w.heading(2, "Escrowed credentials and their custodians")
	creds := ix.byKind["credential"]
	if len(creds) == 0 {
		w.none("No escrowed credentials.")
	} else {
		t := table{cols: []column{{title: "Credential", frac: 3}, {title: "Opens", frac: 3}, {title: "Custodians (any of them, as many as it needs)", frac: 4}}}
		sort.SliceStable(creds, func(i, j int) bool { return creds[i].Title < creds[j].Title })
		for _, c := range creds {
			needs := ""
			if n, ok := c.Int("threshold"); ok {
				needs = fmt.Sprintf("%d of: ", n)
			}
			t.rows = append(t.rows, [][]span{styled(bold, c.Title), plain(c.Text("opens")), plain(needs + strings.Join(c.Strings("custodians"), ", "))})
		}
		w.table(t)
	}
	if len(src.Members) > 0 {
		w.heading(2, "Members")
		t := table{cols: []column{{title: "Handle", frac: 2}, {title: "Roles", frac: 3}, {title: "Signing key fingerprint", frac: 5}}}
		for _, m := range src.Members {
			t.rows = append(t.rows, [][]span{styled(bold, m.Handle), plain(strings.Join(m.Roles, ", ")), styled(mono, m.Fingerprint)})
		}
		w.table(t)
	}
	doc.headerLeft, doc.headerRight = src.Name+": recovery kit", src.asOf()
	doc.footerLeft = "gobag · " + src.Fingerprint
	return doc, nil
}

// codeLine writes a command or a key on one line in the monospaced face,
// as small as it must be to fit, so that it is copied exactly.
func (w *writer) codeLine(s string) {
	size := min(8.5, w.textWidth()/width(mono, 1, s))
	size = max(size, 4.5)
	if width(mono, size, s) > w.textWidth() {
		w.para(styled(mono, s), w.left(), w.textWidth(), size)
		return
	}
	lh := max(size, 7) * lineGap
	w.need(lh)
	w.text(w.left(), w.y+size*0.95, mono, size, black, s)
	w.y += lh
}

// shellQuote quotes s for a POSIX shell where it needs it.
func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_~", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
