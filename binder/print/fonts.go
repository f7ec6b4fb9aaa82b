// Package print lays out a binder on paper: the printed binder, the call
// card, the auditor's report and the recovery kit. A document is laid out
// once into pages of drawing operations, which are then written as PDF
// (gopdf) or drawn as images for a preview, so both show the same pages.
// It is a pure function of what the caller reads from the binder
// (Source): it opens nothing itself.
package print

import (
	"sync"

	"fyne.io/fyne/v2/theme"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// style is a font: the text's regular, bold, italic and bold italic faces
// (Noto Sans, as the desktop app shows them) and a monospaced one.
type style int

const (
	regular style = iota
	bold
	italic
	boldItalic
	mono
	nStyles
)

// face is one font file, with what layout needs of it.
type face struct {
	name string
	data []byte
	sf   *sfnt.Font
	upem float64
	// ascent and descent per point of size.
	ascent, descent float64
	mu              sync.Mutex
	adv             map[rune]float64 // advance per point of size; < 0: no glyph
	buf             sfnt.Buffer
}

// fonts are the faces of every style, loaded once.
var fonts = sync.OnceValue(func() [nStyles]*face {
	res := [nStyles]interface{ Content() []byte }{
		theme.DefaultTextFont(), theme.DefaultTextBoldFont(), theme.DefaultTextItalicFont(),
		theme.DefaultTextBoldItalicFont(), theme.DefaultTextMonospaceFont(),
	}
	names := [nStyles]string{"sans", "sans-bold", "sans-italic", "sans-bolditalic", "mono"}
	var out [nStyles]*face
	for i, r := range res {
		data := r.Content()
		sf, err := sfnt.Parse(data)
		if err != nil {
			panic("print: the bundled font " + names[i] + ": " + err.Error())
		}
		f := &face{name: names[i], data: data, sf: sf, upem: float64(sf.UnitsPerEm()), adv: map[rune]float64{}}
		m, err := sf.Metrics(&f.buf, fixed.I(int(f.upem)), 0)
		if err == nil {
			f.ascent = float64(m.Ascent) / 64 / f.upem
			f.descent = float64(m.Descent) / 64 / f.upem
		}
		out[i] = f
	}
	return out
})

// advance is the width of r at size 1, or < 0 if the face has no glyph
// for it.
func (f *face) advance(r rune) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.adv[r]; ok {
		return a
	}
	a := -1.0
	if g, err := f.sf.GlyphIndex(&f.buf, r); err == nil && g != 0 {
		if x, err := f.sf.GlyphAdvance(&f.buf, g, fixed.I(int(f.upem)), 0); err == nil {
			a = float64(x) / 64 / f.upem
		}
	}
	f.adv[r] = a
	return a
}

// run is text in one face.
type run struct {
	st   style
	text string
}

// missing is what stands for a character no bundled face has.
const missing = '?'

// runs splits s, to be drawn in st, into runs of one face each: a
// character st lacks is drawn in the monospaced face if that has it (its
// symbols), and as missing otherwise; lost counts those.
func runs(st style, s string) (out []run, lost int) {
	fs := fonts()
	var cur []rune
	curSt := st
	flush := func() {
		if len(cur) > 0 {
			out = append(out, run{curSt, string(cur)})
			cur = cur[:0]
		}
	}
	for _, r := range s {
		want := st
		switch {
		case r == '\t':
			r = ' '
		case r < ' ':
			continue
		case fs[st].advance(r) >= 0:
		case fs[mono].advance(r) >= 0:
			want = mono
		default:
			r, lost = missing, lost+1
		}
		if want != curSt {
			flush()
			curSt = want
		}
		cur = append(cur, r)
	}
	flush()
	return out, lost
}

// width is the width of s drawn in st at size.
func width(st style, size float64, s string) float64 {
	fs := fonts()
	w := 0.0
	rs, _ := runs(st, s)
	for _, r := range rs {
		for _, c := range r.text {
			if a := fs[r.st].advance(c); a > 0 {
				w += a
			}
		}
	}
	return w * size
}
