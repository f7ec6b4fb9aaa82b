// Package assets embeds what gobag ships inside its binary: the app icon
// and the demo binder's records.
package assets

import "embed"

// Demo holds the demo binder's records, one plaintext record file each
// (the format of docs/FORMAT.md, without id, rev or updated).
//
//go:embed demo/*.md
var Demo embed.FS

// Icon is the app icon (PNG, 256×256).
//
//go:embed icon.png
var Icon []byte
