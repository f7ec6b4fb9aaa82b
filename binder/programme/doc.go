// Package programme reads the continuity programme across a binder's
// records: the action register (every action item, whichever record it
// sits in), the yearly exercise programme, and risk ratings.
//
// Like the readiness check, it is pure: each function takes the binder's
// live records and returns data, which the CLI and the app word their own
// way. The records are read as given: callers give them in their
// canonical form (binder.CanonicalAll), so that a value a peer wrote in
// another accepted form ("Held", "Done") means what gobag's would.
package programme
