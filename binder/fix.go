package binder

import (
	"errors"

	"gobag/binder/internal/gitstore"
)

// A Fix is what would put something right, as data: the domain says what
// to do, and each front end words it (the CLI as a command line, the app
// as a button that opens the right editor, print as a sentence). No Fix
// carries command or flag syntax.
type Fix struct {
	// Action is what to do.
	Action Action `json:"action"`
	// Record is the id of the record to act on, if any.
	Record string `json:"record,omitempty"`
	// Kind is the kind of record to add (ActionAdd, ActionList), or the
	// plan type of a template (Template).
	Kind string `json:"kind,omitempty"`
	// Template is the template a new record starts from, or which shows
	// what an edit should write: a plan type's, or the after-action
	// report's for an exercise.
	Template string `json:"template,omitempty"`
	// Field names the field to set, add a row to or correct.
	Field string `json:"field,omitempty"`
	// Value is a suggested value for Field, or the action's argument
	// (a fingerprint to accept, a directory, a file).
	Value string `json:"value,omitempty"`
	// Set holds further field=value pairs an add or edit should set.
	Set []FieldValue `json:"set,omitempty"`
	// Remote and URL name a remote, where the action concerns one.
	Remote string `json:"remote,omitempty"`
	URL    string `json:"url,omitempty"`
	// Path is the directory the action makes or works in (the binder a
	// clone makes).
	Path string `json:"path,omitempty"`
	// Fingerprint is the binder's fingerprint a clone expects, where it
	// is known.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Note says in words what the action should achieve ("once it has
	// been approved"); it never holds command syntax.
	Note string `json:"note,omitempty"`
}

// FieldValue is one field and the value suggested for it.
type FieldValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Action is what a [Fix] asks for. The list is append-only.
type Action string

// The actions. Each documents the Fix fields it uses.
const (
	// ActionEdit edits Record: set Field to Value (and Set), or, with no
	// Value, correct or fill Field in the editor.
	ActionEdit Action = "edit"
	// ActionAdd adds a record of Kind (from Template for a plan), with
	// Field = Value and Set as suggested values.
	ActionAdd Action = "add"
	// ActionShow shows Record.
	ActionShow Action = "show"
	// ActionList lists the records (of Kind, if set).
	ActionList Action = "list"
	// ActionLog shows the history (of Record, if set).
	ActionLog Action = "log"
	// ActionConflicts lists the records with conflicts.
	ActionConflicts Action = "conflicts"
	// ActionResolve settles Record's conflicts.
	ActionResolve Action = "resolve"
	// ActionVerify checks the whole history.
	ActionVerify Action = "verify"
	// ActionReindex rebuilds the local index from git.
	ActionReindex Action = "reindex"
	// ActionInit creates a binder in the directory Value.
	ActionInit Action = "init"
	// ActionNewIdentity creates an identity.
	ActionNewIdentity Action = "identity-new"
	// ActionShowIdentity shows this identity's public keys.
	ActionShowIdentity Action = "identity-show"
	// ActionSync syncs with Remote, or with every remote if it is empty.
	ActionSync Action = "sync"
	// ActionListRemotes lists the remotes.
	ActionListRemotes Action = "remotes"
	// ActionAddRemote adds Remote at URL.
	ActionAddRemote Action = "remote-add"
	// ActionRemoveRemote removes Remote.
	ActionRemoveRemote Action = "remote-rm"
	// ActionAcceptHostKey adds Remote at URL again, accepting the SSH host
	// key whose fingerprint is Value.
	ActionAcceptHostKey Action = "accept-host-key"
	// ActionCACert adds Remote at URL again with the CA certificate file
	// its HTTPS server's certificate chains to.
	ActionCACert Action = "ca-cert"
	// ActionCloneFingerprint clones URL again, expecting the binder
	// fingerprint Value (empty: ask a member for it).
	ActionCloneFingerprint Action = "clone-fingerprint"
	// ActionCloneHostKey clones URL again, accepting the SSH host key
	// whose fingerprint is Value.
	ActionCloneHostKey Action = "clone-host-key"
	// ActionCloneCACert clones URL again with the CA certificate file its
	// HTTPS server's certificate chains to.
	ActionCloneCACert Action = "clone-ca-cert"
	// ActionTokenFile gives a remote's password or token through a file.
	ActionTokenFile Action = "token-file"
	// ActionPassphraseFile gives the identity's passphrase through a file
	// where there is no terminal to ask on.
	ActionPassphraseFile Action = "passphrase-file"
	// ActionDescribeKind describes the fields of Kind (Field: the one in
	// question).
	ActionDescribeKind Action = "describe-kind"
	// ActionAcceptHistory rebuilds the index from the branch as it now is,
	// taking a history that does not continue the one this copy last
	// verified (after restoring a copy on purpose); it must still verify.
	ActionAcceptHistory Action = "accept-history"
	// ActionRetry runs the same thing again (after the Note's condition
	// is met: a drive connected, another process done).
	ActionRetry Action = "retry"
	// ActionPutSecret escrows a secret for the credential Record.
	ActionPutSecret Action = "secret-put"
	// ActionRotateSecret rotates the escrowed secret named Value.
	ActionRotateSecret Action = "secret-rotate"
	// ActionApprovePlan signs a manager's approval of plan Record's
	// current version.
	ActionApprovePlan Action = "plan-approve"
	// ActionMemberRoles gives the member Value (empty: one to choose) the
	// role Field.
	ActionMemberRoles Action = "member-roles"
)

// fix returns a Fix for action on record id.
func fix(a Action, id string) *Fix { return &Fix{Action: a, Record: id} }

// FixOf returns the first structured fix attached to err, if any, or the
// fix for an object-store error.
func FixOf(err error) *Fix {
	for e := asError(err); e != nil; e = asError(e.Err) {
		if e.Fix != nil {
			return e.Fix
		}
	}
	switch {
	case errors.Is(err, gitstore.ErrMissing), errors.Is(err, gitstore.ErrCorrupt), errors.Is(err, gitstore.ErrBadTree):
		return &Fix{Action: ActionVerify}
	case errors.Is(err, gitstore.ErrMoved):
		return &Fix{Action: ActionRetry}
	}
	return nil
}
