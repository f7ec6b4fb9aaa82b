package print

import (
	"image"
	"strings"
)

// Paper is a page size in points (1/72 inch).
type Paper struct {
	Name string
	W, H float64
}

// The paper sizes gobag prints on.
var (
	A4     = Paper{"a4", 595.28, 841.89}
	Letter = Paper{"letter", 612, 792}
)

// PaperByName is the paper called name (a4 or letter).
func PaperByName(name string) (Paper, bool) {
	switch strings.ToLower(name) {
	case "", "a4":
		return A4, true
	case "letter":
		return Letter, true
	}
	return Paper{}, false
}

// rgb is a colour.
type rgb struct{ r, g, b uint8 }

var (
	black = rgb{0, 0, 0}
	grey  = rgb{90, 90, 90}
	light = rgb{225, 225, 225}
	rule  = rgb{160, 160, 160}
	red   = rgb{170, 20, 20}
)

type opKind int

const (
	opText  opKind = iota
	opLine         // from (x, y) to (x+w, y+h)
	opRect         // top-left (x, y), w × h; filled or stroked
	opImage        // top-left (x, y), w × h
)

// op is one drawing operation on a page. Text is drawn from (x, y), y
// being its baseline.
type op struct {
	kind  opKind
	x, y  float64
	w, h  float64
	st    style
	size  float64
	text  string
	col   rgb
	fill  bool
	width float64 // a line's or a stroked rectangle's
	img   image.Image
}

// page is one page's operations.
type page struct {
	ops []op
	// plain pages (a cover, a card) have no running header and footer.
	plain bool
}

// Document is a laid-out document: its pages, ready to be written as
// PDF or drawn.
type Document struct {
	Title string
	paper Paper
	pages []*page
	// header and footer are drawn on every page not plain: the left and
	// right of the header, and the footer's left; "page x of y" is added.
	headerLeft, headerRight, footerLeft string
	// Lost counts characters no bundled font has, printed as "?".
	Lost int
	// margin, if set, is every margin of the pages (a card's panels), which
	// then have no running header and footer.
	margin float64
}

// Pages is the number of pages.
func (d *Document) Pages() int { return len(d.pages) }

// Paper is the document's paper.
func (d *Document) Paper() Paper { return d.paper }

// Text is the document's text, page by page, as its operations hold it:
// what a reader of the PDF extracts, for tests and search.
func (d *Document) Text() string {
	var b strings.Builder
	for _, p := range d.pages {
		for _, o := range p.ops {
			if o.kind == opText {
				b.WriteString(o.text)
				b.WriteByte('\n')
			}
		}
		b.WriteString("\f")
	}
	return b.String()
}

// margins of the text area.
const (
	marginX      = 50.0
	marginTop    = 62.0
	marginBottom = 58.0
	bodySize     = 10.0
	lineGap      = 1.32 // line height as a multiple of the size
)

// writer lays out content onto the document's pages, top to bottom,
// breaking pages where the next block does not fit.
type writer struct {
	d   *Document
	cur *page
	y   float64 // the top of what comes next
	// onBreak runs after a page break made inside a block (a table's
	// header repeated).
	onBreak func()
}

func newWriter(d *Document) *writer { return &writer{d: d} }

// margin is the writer's margin: the page's, or a card panel's.
func (w *writer) margin() (side, top, bottom float64) {
	if m := w.d.margin; m > 0 {
		return m, m, m
	}
	return marginX, marginTop, marginBottom
}

func (w *writer) left() float64 {
	side, _, _ := w.margin()
	return side
}
func (w *writer) right() float64 {
	side, _, _ := w.margin()
	return w.d.paper.W - side
}
func (w *writer) textWidth() float64 {
	return w.right() - w.left()
}
func (w *writer) bottom() float64 {
	_, _, b := w.margin()
	return w.d.paper.H - b
}

// newPage starts a page.
func (w *writer) newPage(plain bool) {
	w.cur = &page{plain: plain}
	w.d.pages = append(w.d.pages, w.cur)
	side, top, _ := w.margin()
	w.y = top
	if plain {
		w.y = side
	}
}

// pageNumber is the number of the page being written, from 1.
func (w *writer) pageNumber() int { return len(w.d.pages) }

// room says whether h more points fit on the page.
func (w *writer) room(h float64) bool { return w.cur != nil && w.y+h <= w.bottom() }

// need breaks the page unless h more points fit.
func (w *writer) need(h float64) {
	if !w.room(h) {
		w.newPage(false)
		if w.onBreak != nil {
			w.onBreak()
		}
	}
}

func (w *writer) add(o op) { w.cur.ops = append(w.cur.ops, o) }

// text draws s at (x, baseline) in st at size, in colour c.
func (w *writer) text(x, baseline float64, st style, size float64, c rgb, s string) {
	rs, lost := runs(st, s)
	w.d.Lost += lost
	fs := fonts()
	for _, r := range rs {
		w.add(op{kind: opText, x: x, y: baseline, st: r.st, size: size, text: r.text, col: c})
		for _, ch := range r.text {
			if a := fs[r.st].advance(ch); a > 0 {
				x += a * size
			}
		}
	}
}

func (w *writer) line(x1, y1, x2, y2, width float64, c rgb) {
	w.add(op{kind: opLine, x: x1, y: y1, w: x2 - x1, h: y2 - y1, width: width, col: c})
}

func (w *writer) rect(x, y, wd, h float64, fill bool, c rgb) {
	w.add(op{kind: opRect, x: x, y: y, w: wd, h: h, fill: fill, col: c, width: 0.8})
}

func (w *writer) image(img image.Image, x, y, wd, h float64) {
	w.add(op{kind: opImage, x: x, y: y, w: wd, h: h, img: img})
}

// checkbox draws an empty box a line of text at size high, its top at y.
func (w *writer) checkbox(x, y, size float64) {
	w.rect(x, y+size*0.15, size*0.95, size*0.95, false, black)
}

// space moves down by h, without breaking the page.
func (w *writer) space(h float64) {
	w.y += h
}

// span is text in one style: a piece of a paragraph.
type span struct {
	st   style
	text string
	col  rgb
}

func plain(s string) []span            { return []span{{st: regular, text: s}} }
func styled(st style, s string) []span { return []span{{st: st, text: s}} }

// word is a piece of a line that is not broken: pieces of text in their
// styles, and whether a space or a line break follows it.
type word struct {
	pieces []span
	w      float64
	space  bool
	brk    bool // a hard line break after it
}

func (wd *word) measure(size float64) {
	wd.w = 0
	for _, p := range wd.pieces {
		wd.w += width(p.st, size, p.text)
	}
}

// words splits spans into words, measuring each at size. A new line
// breaks the line; an empty line is an empty word with a break. It runs
// in time linear in the text.
func words(spans []span, size float64) []word {
	var out []word
	var cur word
	var text strings.Builder // the current piece's text
	var piece span           // the current piece's style
	endPiece := func() {
		if text.Len() > 0 {
			piece.text = text.String()
			cur.pieces = append(cur.pieces, piece)
			text.Reset()
		}
	}
	end := func(space, brk bool) {
		endPiece()
		if len(cur.pieces) > 0 {
			cur.space, cur.brk = space, brk
			cur.measure(size)
			out = append(out, cur)
			cur = word{}
			return
		}
		switch {
		case brk:
			if len(out) > 0 && !out[len(out)-1].brk {
				out[len(out)-1].brk = true
			} else {
				out = append(out, word{brk: true})
			}
		case space && len(out) > 0:
			out[len(out)-1].space = true
		}
	}
	for _, sp := range spans {
		if text.Len() > 0 && (sp.st != piece.st || sp.col != piece.col) {
			endPiece()
		}
		piece = span{st: sp.st, col: sp.col}
		for _, r := range sp.text {
			switch {
			case r == '\n':
				end(false, true)
				piece = span{st: sp.st, col: sp.col}
			case r == ' ' || r == '\t' || r == '\r':
				end(true, false)
				piece = span{st: sp.st, col: sp.col}
			default:
				text.WriteRune(r)
			}
		}
	}
	end(false, false)
	return out
}

// splitLong cuts a word wider than a line into pieces in one walk: the
// first fits room (what is left of the line), the others width, each at
// least one character.
func splitLong(wd word, room, width, size float64) []word {
	var out []word
	var cur word
	x, limit := 0.0, room
	for _, p := range wd.pieces {
		var run []rune
		flush := func() {
			if len(run) > 0 {
				cur.pieces = append(cur.pieces, span{st: p.st, text: string(run), col: p.col})
				run = run[:0]
			}
		}
		for _, r := range p.text {
			cw := width1(p.st, size, r)
			if x+cw > limit && (len(cur.pieces) > 0 || len(run) > 0) {
				flush()
				cur.measure(size)
				out = append(out, cur)
				cur, x, limit = word{}, 0, width
			}
			run = append(run, r)
			x += cw
		}
		flush()
	}
	cur.measure(size)
	cur.space, cur.brk = wd.space, wd.brk
	return append(out, cur)
}

// width1 is the width of one character.
func width1(st style, size float64, r rune) float64 {
	fs := fonts()
	if a := fs[st].advance(r); a >= 0 {
		return a * size
	}
	if a := fs[mono].advance(r); a >= 0 {
		return a * size
	}
	return fs[st].advance(missing) * size
}

// wrap breaks words into lines at most width wide; a word wider than a
// line is cut.
func wrap(ws []word, width, size float64) [][]word {
	var lines [][]word
	var cur []word
	x := 0.0
	for _, wd := range ws {
		if len(wd.pieces) == 0 {
			if wd.brk {
				lines = append(lines, cur)
				cur, x = nil, 0
			}
			continue
		}
		gap := 0.0
		if len(cur) > 0 && cur[len(cur)-1].space {
			gap = spaceWidth(cur[len(cur)-1], size)
		}
		if len(cur) > 0 && x+gap+wd.w > width {
			lines = append(lines, cur)
			cur, x, gap = nil, 0, 0
		}
		if wd.w > width-x {
			parts := splitLong(wd, width-x, width, size)
			for _, part := range parts[:len(parts)-1] {
				cur = append(cur, part)
				lines = append(lines, cur)
				cur, x = nil, 0
			}
			wd = parts[len(parts)-1]
		}
		cur = append(cur, wd)
		x += gap + wd.w
		if wd.brk {
			lines = append(lines, cur)
			cur, x = nil, 0
		}
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// spaceWidth is the width of the space after wd.
func spaceWidth(wd word, size float64) float64 {
	st := regular
	if n := len(wd.pieces); n > 0 {
		st = wd.pieces[n-1].st
	}
	return fonts()[st].advance(' ') * size
}

// drawLine draws one wrapped line from x with its baseline at y: each
// stretch of one style and colour as one piece of text, spaces and all,
// so that a PDF reader extracts it as written and the file stays small.
func (w *writer) drawLine(ln []word, x, baseline, size float64) {
	var run strings.Builder
	var runSt style
	var runCol rgb
	runX := x
	flush := func() {
		if run.Len() > 0 {
			w.text(runX, baseline, runSt, size, runCol, run.String())
			run.Reset()
		}
	}
	for i, wd := range ln {
		for _, p := range wd.pieces {
			if run.Len() > 0 && (p.st != runSt || p.col != runCol) {
				flush()
			}
			if run.Len() == 0 {
				runX, runSt, runCol = x, p.st, p.col
			}
			run.WriteString(p.text)
			x += width(p.st, size, p.text)
		}
		if wd.space && i < len(ln)-1 {
			x += spaceWidth(wd, size)
			if run.Len() > 0 {
				run.WriteByte(' ')
			}
		}
	}
	flush()
}

// lineWidth is the width of a wrapped line.
func lineWidth(ln []word, size float64) float64 {
	x := 0.0
	for i, wd := range ln {
		x += wd.w
		if wd.space && i < len(ln)-1 {
			x += spaceWidth(wd, size)
		}
	}
	return x
}

// para writes a paragraph: spans wrapped to width from x, at size,
// breaking the page between lines.
func (w *writer) para(spans []span, x, width, size float64) {
	lh := size * lineGap
	for _, ln := range wrap(words(spans, size), width, size) {
		w.need(lh)
		w.drawLine(ln, x, w.y+size*0.95, size)
		w.y += lh
	}
}

// body writes a paragraph of body text across the text width.
func (w *writer) body(spans []span) { w.para(spans, w.left(), w.textWidth(), bodySize) }

// none says, in italics, that a part has nothing to show.
func (w *writer) none(s string) { w.body(styled(italic, s)) }

// lines is how many lines spans take wrapped to width.
func linesOf(spans []span, width, size float64) [][]word {
	return wrap(words(spans, size), width, size)
}

// heading sizes by level.
var headingSize = map[int]float64{1: 18, 2: 14, 3: 12, 4: 11}

// heading writes a heading of level (1 the largest), kept with the two
// lines that follow it.
func (w *writer) heading(level int, text string) {
	size := headingSize[min(max(level, 1), 4)]
	spans := styled(bold, text)
	ls := linesOf(spans, w.textWidth(), size)
	h := float64(len(ls))*size*lineGap + size*0.6 + 2*bodySize*lineGap
	w.need(h)
	w.space(size * 0.5)
	for _, ln := range ls {
		w.drawLine(ln, w.left(), w.y+size*0.95, size)
		w.y += size * lineGap
	}
	if level <= 2 {
		w.line(w.left(), w.y, w.right(), w.y, 0.6, rule)
		w.y += 3
	}
	w.space(size * 0.15)
}

// column is one column of a table.
type column struct {
	title string
	frac  float64 // its share of the table's width
	box   bool    // a checkbox for each row, to tick on paper
}

// table is rows of cells under a header row repeated on every page the
// table runs onto.
type table struct {
	cols []column
	rows [][][]span
	size float64
}

const cellPad = 3.0

// table writes t across the text width. A row is kept on one page unless
// it is taller than a page, when it runs on line by line.
func (w *writer) table(t table) {
	size := t.size
	if size == 0 {
		size = bodySize - 1
	}
	lh := size * lineGap
	widths := columnWidths(t, w.textWidth(), size)
	xs := make([]float64, len(t.cols)+1)
	xs[0] = w.left()
	for i := range t.cols {
		xs[i+1] = xs[i] + widths[i]
	}
	cellW := func(i int) float64 { return xs[i+1] - xs[i] - 2*cellPad }
	headerHeight := func() float64 {
		most := 1
		for i, c := range t.cols {
			most = max(most, len(linesOf(styled(bold, c.title), cellW(i), size)))
		}
		return float64(most)*lh + 2*cellPad
	}
	header := func() {
		var ls [][][]word
		for i, c := range t.cols {
			ls = append(ls, linesOf(styled(bold, c.title), cellW(i), size))
		}
		h := headerHeight()
		w.rect(w.left(), w.y, w.textWidth(), h, true, light)
		for i := range t.cols {
			for j, ln := range ls[i] {
				w.drawLine(ln, xs[i]+cellPad, w.y+cellPad+float64(j)*lh+size*0.95, size)
			}
		}
		w.y += h
	}
	// The header goes with the first row (or what of it fits a page).
	first := lh + 2*cellPad
	if len(t.rows) > 0 {
		most := 1
		for i, cell := range t.rows[0] {
			if i < len(t.cols) {
				most = max(most, len(linesOf(cell, cellW(i)-boxRoom(t.cols[i], size), size)))
			}
		}
		_, topMargin, _ := w.margin()
		first = min(float64(most)*lh+2*cellPad, (w.bottom()-topMargin)/2)
	}
	w.need(headerHeight() + first)
	header()
	prevBreak := w.onBreak
	w.onBreak = header
	defer func() { w.onBreak = prevBreak }()
	for _, row := range t.rows {
		var ls [][][]word
		most := 1
		for i := range t.cols {
			var cell []span
			if i < len(row) {
				cell = row[i]
			}
			l := linesOf(cell, cellW(i)-boxRoom(t.cols[i], size), size)
			ls = append(ls, l)
			most = max(most, len(l))
		}
		h := float64(most)*lh + 2*cellPad
		_, topMargin, _ := w.margin()
		full := w.bottom() - topMargin - 3*lh
		if h <= full {
			w.need(h)
		} else {
			w.need(lh + 2*cellPad)
		}
		top := w.y
		for j := 0; j < most; j++ {
			if j > 0 && !w.room(lh+cellPad) {
				w.line(w.left(), w.y+cellPad, w.right(), w.y+cellPad, 0.4, rule)
				w.newPage(false)
				header()
				top = w.y - float64(j)*lh
			}
			base := top + cellPad + float64(j)*lh + size*0.95
			for i := range t.cols {
				x := xs[i] + cellPad
				if t.cols[i].box {
					if j == 0 {
						w.checkbox(x, top+cellPad, size)
					}
					x += size * 1.3
				}
				if j < len(ls[i]) {
					w.drawLine(ls[i][j], x, base, size)
				}
			}
			w.y = top + cellPad + float64(j+1)*lh
		}
		w.y += cellPad
		w.line(w.left(), w.y, w.right(), w.y, 0.4, rule)
	}
	w.space(size * 0.6)
}

// keyValues writes label: value pairs as a two-column list, the labels
// in bold; empty values are left out.
func (w *writer) keyValues(pairs [][2]string) {
	size := bodySize
	lh := size * lineGap
	labelW := 0.0
	for _, p := range pairs {
		if p[1] != "" {
			labelW = max(labelW, width(bold, size, p[0]))
		}
	}
	labelW = min(labelW+10, w.textWidth()*0.35)
	for _, p := range pairs {
		if strings.TrimSpace(p[1]) == "" {
			continue
		}
		label := linesOf(styled(bold, p[0]), labelW-6, size)
		value := linesOf(plain(p[1]), w.textWidth()-labelW, size)
		n := max(len(label), len(value))
		w.need(min(float64(n), 3) * lh)
		for j := 0; j < n; j++ {
			w.need(lh)
			base := w.y + size*0.95
			if j < len(label) {
				w.drawLine(label[j], w.left(), base, size)
			}
			if j < len(value) {
				w.drawLine(value[j], w.left()+labelW, base, size)
			}
			w.y += lh
		}
	}
	w.space(size * 0.4)
}

// columnWidths shares width among t's columns by their fractions, except
// that a column is widened, within reason, to hold its longest word (a
// date, an e-mail address) unbroken, the others giving up what they can
// spare beyond their own longest word.
func columnWidths(t table, total, size float64) []float64 {
	n := len(t.cols)
	want := make([]float64, n) // the longest word, padded
	sum := 0.0
	for _, c := range t.cols {
		sum += c.frac
	}
	for i, c := range t.cols {
		longest := 0.0
		measure := func(spans []span) {
			for _, wd := range words(spans, size) {
				longest = max(longest, wd.w)
			}
		}
		measure(styled(bold, c.title))
		for _, row := range t.rows {
			if i < len(row) {
				measure(row[i])
			}
		}
		want[i] = min(longest+2*cellPad+1, total*0.4)
		if c.box {
			want[i] += size * 1.3
		}
	}
	out := make([]float64, n)
	for i, c := range t.cols {
		out[i] = c.frac / sum * total
	}
	for range n {
		short, spare := 0.0, 0.0
		for i := range out {
			if out[i] < want[i] {
				short += want[i] - out[i]
			} else {
				spare += out[i] - want[i]
			}
		}
		if short < 0.5 || spare < 0.5 {
			break
		}
		give := min(short, spare)
		for i := range out {
			switch {
			case out[i] < want[i]:
				out[i] += give * (want[i] - out[i]) / short
			case out[i] > want[i]:
				out[i] -= give * (out[i] - want[i]) / spare
			}
		}
	}
	return out
}

// boxRoom is the room a column's checkbox takes before its text.
func boxRoom(c column, size float64) float64 {
	if c.box {
		return size * 1.3
	}
	return 0
}
