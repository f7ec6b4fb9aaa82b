package print

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// markdown writes a record's Markdown body: headings (shifted down by
// shift levels, under the record's own), paragraphs with emphasis and
// code, bulleted and numbered lists, tables, quotes and code blocks.
// Links show their text and, when it differs, their address; images their
// description.
func (w *writer) markdown(src string, shift int) {
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		w.mdBlock(n, source, shift, 0)
	}
}

// mdBlock writes one block node, indented by indent points.
func (w *writer) mdBlock(n ast.Node, src []byte, shift int, indent float64) {
	x, width := w.left()+indent, w.textWidth()-indent
	switch b := n.(type) {
	case *ast.Heading:
		if indent == 0 {
			w.heading(b.Level+shift, spansText(inlineSpans(b, src, regular)))
			return
		}
		w.para(inlineSpans(b, src, bold), x, width, bodySize)
	case *ast.Paragraph, *ast.TextBlock:
		w.para(inlineSpans(n, src, regular), x, width, bodySize)
		w.space(bodySize * 0.4)
	case *ast.List:
		num := b.Start
		for item := b.FirstChild(); item != nil; item = item.NextSibling() {
			marker := "•"
			if b.IsOrdered() {
				marker = strconv.Itoa(num) + "."
				num++
			}
			w.need(bodySize * lineGap)
			w.text(x+2, w.y+bodySize*0.95, regular, bodySize, black, marker)
			first := true
			for c := item.FirstChild(); c != nil; c = c.NextSibling() {
				if !first {
					w.space(2)
				}
				first = false
				if _, ok := c.(*ast.TextBlock); ok {
					w.para(inlineSpans(c, src, regular), x+16, width-16, bodySize)
					continue
				}
				w.mdBlock(c, src, shift, indent+16)
			}
		}
		w.space(bodySize * 0.4)
	case *ast.Blockquote:
		top := w.y
		for c := b.FirstChild(); c != nil; c = c.NextSibling() {
			w.mdBlock(c, src, shift, indent+14)
		}
		if w.y > top {
			w.line(x+4, top, x+4, w.y-bodySize*0.4, 1.5, rule)
		}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var lines strings.Builder
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			lines.Write(seg.Value(src))
		}
		w.para(styled(mono, strings.TrimRight(lines.String(), "\n")), x+8, width-8, bodySize-1)
		w.space(bodySize * 0.4)
	case *ast.ThematicBreak:
		w.need(bodySize)
		w.line(x, w.y+bodySize/2, w.right(), w.y+bodySize/2, 0.5, rule)
		w.space(bodySize)
	case *extast.Table:
		var t table
		for r := b.FirstChild(); r != nil; r = r.NextSibling() {
			var cells [][]span
			for c := r.FirstChild(); c != nil; c = c.NextSibling() {
				cells = append(cells, inlineSpans(c, src, regular))
			}
			if _, ok := r.(*extast.TableHeader); ok {
				for _, c := range cells {
					t.cols = append(t.cols, column{title: spansText(c), frac: 1})
				}
				continue
			}
			t.rows = append(t.rows, cells)
		}
		w.table(t)
	case *ast.HTMLBlock:
		// Raw HTML is printed as the text it is.
		var lines strings.Builder
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			lines.Write(seg.Value(src))
		}
		w.para(styled(mono, strings.TrimSpace(lines.String())), x, width, bodySize-1)
	default:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			w.mdBlock(c, src, shift, indent)
		}
	}
}

// inlineSpans is the text of an inline container as styled spans.
func inlineSpans(n ast.Node, src []byte, st style) []span {
	var out []span
	var walk func(n ast.Node, st style)
	walk = func(n ast.Node, st style) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch x := c.(type) {
			case *ast.Text:
				t := string(x.Segment.Value(src))
				if x.SoftLineBreak() {
					t += " "
				}
				if x.HardLineBreak() {
					t += "\n"
				}
				out = append(out, span{st: st, text: t})
			case *ast.String:
				out = append(out, span{st: st, text: string(x.Value)})
			case *ast.Emphasis:
				walk(x, emphasis(st, x.Level))
			case *ast.CodeSpan:
				var b strings.Builder
				for t := x.FirstChild(); t != nil; t = t.NextSibling() {
					if tt, ok := t.(*ast.Text); ok {
						b.Write(tt.Segment.Value(src))
					}
				}
				out = append(out, span{st: mono, text: b.String()})
			case *ast.Link:
				before := len(out)
				walk(x, st)
				if dest := string(x.Destination); dest != "" && spansText(out[before:]) != dest {
					out = append(out, span{st: st, text: " (" + dest + ")", col: grey})
				}
			case *ast.AutoLink:
				out = append(out, span{st: st, text: string(x.URL(src))})
			case *ast.Image:
				out = append(out, span{st: italic, text: "[image: "})
				walk(x, italic)
				out = append(out, span{st: italic, text: "]"})
			case *ast.RawHTML:
				for i := 0; i < x.Segments.Len(); i++ {
					seg := x.Segments.At(i)
					out = append(out, span{st: mono, text: string(seg.Value(src))})
				}
			default:
				walk(c, st)
			}
		}
	}
	walk(n, st)
	return out
}

// emphasis is st made italic (level 1) or bold (level 2).
func emphasis(st style, level int) style {
	switch {
	case level >= 2 && (st == italic || st == boldItalic):
		return boldItalic
	case level >= 2:
		return bold
	case st == bold || st == boldItalic:
		return boldItalic
	}
	return italic
}

func spansText(ss []span) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.text)
	}
	return b.String()
}
