// Package assets embeds what gobag ships inside its binary: the app icon,
// the demo binder's records and the plan templates.
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

// Templates holds one plan template per plan type (templates/TYPE.md): a
// plan record whose Markdown headings are the sections that type of plan
// must have, each with guidance.
//
//go:embed templates/*.md
var Templates embed.FS
