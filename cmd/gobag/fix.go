package main

import (
	"strings"

	"gobag/binder"
)

// shortID is the start of an id that the CLI prints and accepts, as list
// and check print it.
func shortID(id string) string { return id[:min(len(id), 10)] }

// fixCommand words a structured fix as what to type: the gobag command
// line that does it, or the setting to make. Words in capitals stand for
// what the fix does not know (FILE, NAME). An action it does not know
// gives "".
func fixCommand(f *binder.Fix) string {
	if f == nil {
		return ""
	}
	id := or(shortID(f.Record), "ID")
	var cmd []string
	switch f.Action {
	case binder.ActionEdit:
		if f.Field != "" && f.Value == "" {
			// A field to correct or fill in by hand, in the record's file.
			return withNote(f, "gobag show "+id+" > FILE, edit "+f.Field+" in FILE, then gobag edit "+id+" --file FILE")
		}
		cmd = append([]string{"gobag", "edit", id}, setFlags(f.Kind, pair(f.Field, f.Value), f.Set)...)
		if len(cmd) == 3 {
			cmd = append(cmd, "--file", "FILE")
		}
	case binder.ActionAdd:
		kind := or(f.Kind, "KIND")
		if f.Kind == "" && f.Template != "" {
			kind = "plan"
		}
		cmd = []string{"gobag", "add", kind}
		if f.Template != "" {
			cmd = append(cmd, "--template", f.Template)
		}
		sets := append(pair(f.Field, f.Value), f.Set...)
		title := "TITLE"
		for i, s := range sets {
			if s.Field == "title" {
				title = s.Value
				sets = append(sets[:i:i], sets[i+1:]...)
				break
			}
		}
		if f.Template == "" || title != "TITLE" {
			cmd = append(cmd, "--title", title)
		}
		cmd = append(cmd, setFlags(f.Kind, sets, nil)...)
	case binder.ActionShow:
		cmd = []string{"gobag", "show", id}
	case binder.ActionList:
		cmd = []string{"gobag", "list"}
		if f.Kind != "" {
			cmd = append(cmd, f.Kind)
		}
	case binder.ActionLog:
		cmd = []string{"gobag", "log"}
		if f.Record != "" {
			cmd = append(cmd, id)
		}
	case binder.ActionConflicts:
		cmd = []string{"gobag", "conflicts"}
	case binder.ActionResolve:
		if f.Field != "" {
			// A field with values from more than one other copy: only
			// an edited file can say which to keep.
			return withNote(f, "gobag show "+id+" > FILE, keep one value of "+f.Field+" in FILE, then gobag resolve "+id+" --file FILE")
		}
		return withNote(f, "gobag resolve "+id+" --take ours|theirs, or gobag resolve "+id+" --file FILE")
	case binder.ActionVerify:
		cmd = []string{"gobag", "verify"}
	case binder.ActionReindex:
		cmd = []string{"gobag", "reindex"}
	case binder.ActionAcceptHistory:
		cmd = []string{"gobag", "reindex", "--accept-history"}
	case binder.ActionInit:
		cmd = []string{"gobag", "init", "--binder", or(f.Value, "DIR"), "--name", "NAME"}
	case binder.ActionNewIdentity:
		cmd = []string{"gobag", "id", "new"}
	case binder.ActionShowIdentity:
		cmd = []string{"gobag", "id", "show"}
	case binder.ActionSync:
		cmd = []string{"gobag", "sync", or(f.Remote, "--all")}
	case binder.ActionListRemotes:
		cmd = []string{"gobag", "remote"}
	case binder.ActionAddRemote:
		cmd = []string{"gobag", "remote", "add", or(f.Remote, "NAME"), or(f.URL, "URL")}
	case binder.ActionRemoveRemote:
		cmd = []string{"gobag", "remote", "rm", or(f.Remote, "NAME")}
	case binder.ActionAcceptHostKey:
		cmd = []string{"gobag", "remote", "add", or(f.Remote, "NAME"), or(f.URL, "URL"), "--accept-host-key", or(f.Value, "FINGERPRINT")}
	case binder.ActionCACert:
		// Adding a remote again at its address changes its settings and
		// keeps its state.
		cmd = []string{"gobag", "remote", "add", or(f.Remote, "NAME"), or(f.URL, "URL"), "--ca-cert", or(f.Value, "FILE")}
	case binder.ActionCloneCACert:
		cmd = []string{"gobag", "clone", or(f.URL, "URL"), "--binder", or(f.Path, "DIR"), "--ca-cert", or(f.Value, "FILE"), "--expect-fingerprint", or(f.Fingerprint, "FINGERPRINT")}
	case binder.ActionDescribeKind:
		cmd = []string{"gobag", "kinds", or(f.Kind, "KIND")}
	case binder.ActionCloneFingerprint:
		cmd = []string{"gobag", "clone", or(f.URL, "URL"), "--binder", or(f.Path, "DIR"), "--expect-fingerprint", or(f.Fingerprint, "FINGERPRINT")}
	case binder.ActionCloneHostKey:
		cmd = []string{"gobag", "clone", or(f.URL, "URL"), "--binder", or(f.Path, "DIR"), "--accept-host-key", or(f.Value, "FINGERPRINT"), "--expect-fingerprint", or(f.Fingerprint, "FINGERPRINT")}
	case binder.ActionTokenFile:
		s := "set GOBAG_REMOTE_TOKEN_FILE to a file whose first line is the password or token"
		if f.Remote != "" {
			s += " for remote " + f.Remote
		}
		return withNote(f, s)
	case binder.ActionPassphraseFile:
		return withNote(f, "set GOBAG_PASSPHRASE_FILE to a file whose first line is the passphrase")
	case binder.ActionPutSecret:
		cmd = []string{"gobag", "secret", "put", "NAME", "--custodians", "A,B,C", "--threshold", "2"}
		if f.Record != "" {
			cmd = append(cmd, "--credential", id)
		}
	case binder.ActionRotateSecret:
		cmd = []string{"gobag", "secret", "rotate", or(f.Value, "NAME")}
	case binder.ActionApprovePlan:
		cmd = []string{"gobag", "approve", id}
	case binder.ActionMemberRoles:
		cmd = []string{"gobag", "member", "roles", or(f.Value, "HANDLE"), "--add", or(f.Field, "ROLE")}
	case binder.ActionRetry:
		if f.Note != "" {
			return "run the command again " + f.Note
		}
		return "run the command again"
	default:
		return ""
	}
	return withNote(f, commandLine(cmd))
}

// pair returns field=value as a one-element list, or nothing if field is
// empty.
func pair(field, value string) []binder.FieldValue {
	if field == "" {
		return nil
	}
	return []binder.FieldValue{{Field: field, Value: value}}
}

// setFlags returns --set field=value for each pair of a and b; a field
// with no suggested value gets a placeholder for its type in kind, never
// an empty value (which would clear the field).
func setFlags(kind string, a, b []binder.FieldValue) []string {
	var out []string
	for _, s := range append(append([]binder.FieldValue(nil), a...), b...) {
		v := s.Value
		if v == "" {
			v = placeholder(kind, s.Field)
		}
		out = append(out, "--set", s.Field+"="+v)
	}
	return out
}

// placeholder stands for a value of field of kind, by its type.
func placeholder(kind, field string) string {
	spec, _ := binder.KindByName(kind)
	f, _ := spec.Field(field)
	switch f.Type {
	case binder.TypeLink:
		return strings.ToUpper(strings.Join(f.Targets, "-OR-")) + "-ID"
	case binder.TypeLinkList:
		return strings.ToUpper(strings.Join(f.Targets, "-OR-")) + "-IDS"
	case binder.TypeDate:
		return "YYYY-MM-DD"
	case binder.TypeDuration:
		return "DURATION"
	case binder.TypeInteger:
		return "NUMBER"
	case binder.TypeBoolean:
		return "true|false"
	}
	return "VALUE"
}

// withNote adds the fix's note, which says when or why, in parentheses.
func withNote(f *binder.Fix, s string) string {
	if f.Note == "" {
		return s
	}
	return s + " (" + f.Note + ")"
}

// commandLine joins the words of a command line, quoting those a shell
// would split or expand. Placeholders such as ours|theirs stay as they are.
func commandLine(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w
		if w == "" || strings.ContainsFunc(w, needsQuote) && !isPlaceholder(w) {
			out[i] = shellQuote(w)
		}
	}
	return strings.Join(out, " ")
}

// shellQuote quotes s for a POSIX shell (and zsh).
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func needsQuote(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@+,%", r))
}

// isPlaceholder reports whether w stands for something to fill in.
func isPlaceholder(w string) bool {
	return w == strings.ToUpper(w) && strings.Trim(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_|") == ""
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
