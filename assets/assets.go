// Package assets embeds what gobag ships inside its binary: the demo
// binder's records.
package assets

import "embed"

// Demo holds the demo binder's records, one plaintext record file each
// (the format of docs/FORMAT.md, without id, rev or updated).
//
//go:embed demo/*.md
var Demo embed.FS
