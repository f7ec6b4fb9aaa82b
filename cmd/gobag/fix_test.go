package main

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"gobag/binder"
)

// binderActions reads every Action constant that binder declares, so that
// an action added there and not here fails this test.
func binderActions(t *testing.T) []binder.Action {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../binder/fix.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []binder.Action
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Action" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					t.Fatalf("an Action constant that is not a string literal")
				}
				s, _ := strconv.Unquote(lit.Value)
				actions = append(actions, binder.Action(s))
			}
		}
	}
	if len(actions) < 20 {
		t.Fatalf("found %d actions in binder/fix.go; the parse missed some", len(actions))
	}
	return actions
}

const testID = "ukq7xqabcdefghijklmnopqrst"

// Every action renders, both with all it could use and with nothing but
// the action.
func TestFixCommandEveryAction(t *testing.T) {
	for _, a := range binderActions(t) {
		full := &binder.Fix{Action: a, Record: testID, Kind: "contact", Field: "phones", Value: "v",
			Remote: "offsite", URL: "ssh://git@host/srv/b.git", Note: "once it has been approved"}
		for _, f := range []*binder.Fix{{Action: a}, full} {
			if got := fixCommand(f); strings.TrimSpace(got) == "" {
				t.Errorf("fixCommand(%+v) is empty", *f)
			}
		}
	}
}

func TestFixCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		fix  binder.Fix
		want string
	}{
		{"edit a value", binder.Fix{Action: binder.ActionEdit, Record: testID, Field: "status", Value: "approved"},
			"gobag edit ukq7xqabcd --set status=approved"},
		{"edit a value and more", binder.Fix{Action: binder.ActionEdit, Record: testID, Field: "location", Value: "HQ, 3rd floor", Set: []binder.FieldValue{{Field: "tier", Value: "1"}}},
			"gobag edit ukq7xqabcd --set 'location=HQ, 3rd floor' --set tier=1"},
		{"edit a field by hand", binder.Fix{Action: binder.ActionEdit, Record: testID, Field: "phones"},
			"gobag show ukq7xqabcd > FILE, edit phones in FILE, then gobag edit ukq7xqabcd --file FILE"},
		{"edit with a note", binder.Fix{Action: binder.ActionEdit, Record: testID, Field: "approved", Value: "2026-11-27", Note: "once it has been approved"},
			"gobag edit ukq7xqabcd --set approved=2026-11-27 (once it has been approved)"},
		{"add", binder.Fix{Action: binder.ActionAdd, Kind: "training", Field: "date", Value: "YYYY-MM-DD"},
			"gobag add training --title TITLE --set date=YYYY-MM-DD"},
		{"add with a title", binder.Fix{Action: binder.ActionAdd, Kind: "runbook", Set: []binder.FieldValue{{Field: "title", Value: "Power cut"}, {Field: "scenarios", Value: `["power-failure"]`}}},
			`gobag add runbook --title 'Power cut' --set 'scenarios=["power-failure"]'`},
		{"add a plan", binder.Fix{Action: binder.ActionAdd, Template: "bcp"}, "gobag add plan --template bcp"},
		{"show", binder.Fix{Action: binder.ActionShow, Record: testID}, "gobag show ukq7xqabcd"},
		{"list a kind", binder.Fix{Action: binder.ActionList, Kind: "incident"}, "gobag list incident"},
		{"log", binder.Fix{Action: binder.ActionLog}, "gobag log"},
		{"resolve", binder.Fix{Action: binder.ActionResolve, Record: testID},
			"gobag resolve ukq7xqabcd --take ours|theirs, or gobag resolve ukq7xqabcd --file FILE"},
		{"init", binder.Fix{Action: binder.ActionInit, Value: "/srv/binder"}, "gobag init --binder /srv/binder --name NAME"},
		{"new identity", binder.Fix{Action: binder.ActionNewIdentity}, "gobag id new"},
		{"sync one", binder.Fix{Action: binder.ActionSync, Remote: "usb"}, "gobag sync usb"},
		{"sync all", binder.Fix{Action: binder.ActionSync}, "gobag sync --all"},
		{"add remote", binder.Fix{Action: binder.ActionAddRemote}, "gobag remote add NAME URL"},
		{"accept host key", binder.Fix{Action: binder.ActionAcceptHostKey, Remote: "offsite", URL: "ssh://git@host:2222/srv/b.git", Value: "SHA256:abc+/9"},
			"gobag remote add offsite ssh://git@host:2222/srv/b.git --accept-host-key SHA256:abc+/9"},
		{"ca cert", binder.Fix{Action: binder.ActionCACert, Remote: "hub", URL: "https://host/b.git"},
			"gobag remote add hub https://host/b.git --ca-cert FILE"},
		{"clone fingerprint", binder.Fix{Action: binder.ActionCloneFingerprint, URL: "/media/usb/b.git"},
			"gobag clone /media/usb/b.git --binder DIR --expect-fingerprint FINGERPRINT"},
		{"clone fingerprint into a directory", binder.Fix{Action: binder.ActionCloneFingerprint, URL: "/media/usb/b.git", Path: "/home/ana/binder"},
			"gobag clone /media/usb/b.git --binder /home/ana/binder --expect-fingerprint FINGERPRINT"},
		{"clone ca cert", binder.Fix{Action: binder.ActionCloneCACert, URL: "https://h/b.git", Path: "copy", Fingerprint: "SHA256:fp"},
			"gobag clone https://h/b.git --binder copy --ca-cert FILE --expect-fingerprint SHA256:fp"},
		{"clone host key", binder.Fix{Action: binder.ActionCloneHostKey, URL: "ssh://h/b.git", Value: "SHA256:k"},
			"gobag clone ssh://h/b.git --binder DIR --accept-host-key SHA256:k --expect-fingerprint FINGERPRINT"},
		{"no empty values", binder.Fix{Action: binder.ActionEdit, Record: testID, Kind: "plan", Field: "status", Value: "approved",
			Set: []binder.FieldValue{{Field: "approved_by"}, {Field: "approved_on", Value: "2026-11-29"}, {Field: "next_review"}}},
			"gobag edit " + testID[:10] + " --set status=approved --set approved_by=CONTACT-ID --set approved_on=2026-11-29 --set next_review=YYYY-MM-DD"},
		{"resolve a field by file", binder.Fix{Action: binder.ActionResolve, Record: testID, Field: "location"},
			"gobag show " + testID[:10] + " > FILE, keep one value of location in FILE, then gobag resolve " + testID[:10] + " --file FILE"},
		{"passphrase file", binder.Fix{Action: binder.ActionPassphraseFile},
			"set GOBAG_PASSPHRASE_FILE to a file whose first line is the passphrase"},
		{"retry", binder.Fix{Action: binder.ActionRetry, Note: "once the drive is connected"},
			"run the command again once the drive is connected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fixCommand(&tc.fix); got != tc.want {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

// report prints the hint's prose and the fix's command line on one line.
func TestReportFix(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&binder.Error{Kind: binder.NotExist, Err: errors.New("no identity at x"), Hint: "create one with", Fix: &binder.Fix{Action: binder.ActionNewIdentity}},
			"gobag: error: no identity at x\ngobag: hint: create one with: gobag id new\n"},
		{&binder.Error{Kind: binder.Offline, Err: errors.New("unreachable"), Fix: &binder.Fix{Action: binder.ActionSync, Remote: "usb"}},
			"gobag: error: unreachable\ngobag: hint: gobag sync usb\n"},
		{&binder.Error{Kind: binder.Invalid, Err: errors.New("bad"), Hint: "fix it"},
			"gobag: error: bad\ngobag: hint: fix it\n"},
		// A hint that still names the command says it once.
		{&binder.Error{Kind: binder.Invalid, Err: errors.New("bad"), Hint: "try gobag id new", Fix: &binder.Fix{Action: binder.ActionNewIdentity}},
			"gobag: error: bad\ngobag: hint: try gobag id new\n"},
	} {
		var out strings.Builder
		code := report(&out, tc.err)
		if out.String() != tc.want || code != exitCodes[binder.KindOf(tc.err)] {
			t.Errorf("report(%v): exit %d, %q; want %q", tc.err, code, out.String(), tc.want)
		}
	}
}
