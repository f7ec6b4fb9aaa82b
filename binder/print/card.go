package print

import (
	"fmt"
	"slices"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"gobag/binder"
	"gobag/binder/calltree"
	"gobag/binder/interchange"
)

// A call card is the size of a credit card (85.6 × 54 mm), printed as
// two panels side by side to be folded in the middle: the front says when
// to activate and who decides; the back, and more cards if needed, who to
// call in order with their numbers and alternates.
const (
	cardW      = 85.6 / 25.4 * 72
	cardH      = 54.0 / 25.4 * 72
	cardMargin = 7.0
	cardSize   = 5.6
)

// CallCard lays out the call card of the team named or with id team, or
// with team "" of the binder's call tree.
func CallCard(src *Source, team string) (*Document, error) {
	ix := newIndex(src)
	var t *binder.Record
	if team != "" {
		if t = interchange.FindTeam(ix.byKind["team"], team); t == nil {
			return nil, fmt.Errorf("no team %q (by name or id) in what this document may hold", team)
		}
	}
	// The panels are laid out as pages of their own, then set side by
	// side.
	panels := &Document{paper: Paper{W: cardW, H: cardH}, margin: cardMargin}
	w := newWriter(panels)
	w.newPage(true)
	title := "Call card"
	if t != nil {
		title = t.Title
	}
	w.para(styled(regular, src.Name), w.left(), w.textWidth(), cardSize-0.6)
	w.para(styled(bold, title), w.left(), w.textWidth(), cardSize+2.4)
	w.space(2)
	w.para(styled(bold, "Activate when"), w.left(), w.textWidth(), cardSize)
	w.para(activation(ix, t), w.left(), w.textWidth(), cardSize)
	w.space(2)
	var who []string
	if t != nil {
		if a := t.Link("activation_authority"); a != "" {
			who = append(who, "Decides: "+ix.cardPerson(a))
		}
		for i, id := range t.Links("succession") {
			who = append(who, fmt.Sprintf("Then %d: %s", i+1, ix.cardPerson(id)))
		}
	}
	if len(who) > 0 {
		w.para(plain(strings.Join(who, "\n")), w.left(), w.textWidth(), cardSize)
	}
	// The back: who to call, in order.
	w.newPage(true)
	w.para(styled(bold, "Call in this order; if not reached, their alternates"), w.left(), w.textWidth(), cardSize)
	w.space(1)
	for i, c := range callOrder(ix, t) {
		spans := []span{{st: bold, text: fmt.Sprintf("%d. %s", i+1, c.Title)}}
		if ps := phones(c); len(ps) > 0 {
			spans = append(spans, span{text: "  " + strings.Join(ps, ", ")})
		}
		for _, id := range c.Links("alternates") {
			spans = append(spans, span{st: italic, text: "\n   or " + ix.cardPerson(id)})
		}
		w.need(cardSize * lineGap * 2)
		w.para(spans, w.left(), w.textWidth(), cardSize)
	}
	w.space(1)
	w.para(styled(italic, fmt.Sprintf("As of %s · %s", src.Now.Format("2006-01-02"), short(src.Commit))), w.left(), w.textWidth(), cardSize-1)

	// Two panels a sheet, a dashed fold between them.
	doc := &Document{Title: src.Name + ": " + title, paper: Paper{Name: "card", W: 2 * cardW, H: cardH}, Lost: panels.Lost}
	for i := 0; i < len(panels.pages); i += 2 {
		p := &page{plain: true}
		p.ops = append(p.ops, panels.pages[i].ops...)
		if i+1 < len(panels.pages) {
			for _, o := range panels.pages[i+1].ops {
				o.x += cardW
				p.ops = append(p.ops, o)
			}
		}
		for y := 0.0; y < cardH; y += 6 {
			p.ops = append(p.ops, op{kind: opLine, x: cardW, y: y, h: 3, width: 0.3, col: rule})
		}
		p.ops = append(p.ops, op{kind: opRect, x: 0.5, y: 0.5, w: 2*cardW - 1, h: cardH - 1, width: 0.3, col: rule})
		doc.pages = append(doc.pages, p)
	}
	return doc, nil
}

// cardPerson is a contact's name and first number.
func (ix *index) cardPerson(id string) string {
	c := ix.byID[id]
	if c == nil {
		return ix.title(id)
	}
	if ps := phones(c); len(ps) > 0 {
		return c.Title + "  " + ps[0]
	}
	return c.Title
}

// callOrder is who the card lists: the team's call tree in calling
// order (as gobag's call tree and incident mode have it), or everyone
// with a place in the call order.
func callOrder(ix *index, t *binder.Record) []*binder.Record {
	var out []*binder.Record
	if t == nil {
		for _, c := range ix.byKind["contact"] {
			if _, ok := c.Int("escalation"); ok {
				out = append(out, c)
			}
		}
		return callList(out)
	}
	tree := calltree.ForTeam(t, func(id string) *binder.Record { return ix.byID[id] })
	for _, p := range tree.People() {
		out = append(out, p.Contact)
	}
	return append(out, tree.Unreached...)
}

// activation is when to activate: the Activation section of the plans
// that activate the team (or of every plan, when none names it or there
// is no team), else the activation of their runbooks.
func activation(ix *index, t *binder.Record) []span {
	var plans, all []*binder.Record
	for _, p := range ix.byKind["plan"] {
		if p.Text("status") == "retired" {
			continue
		}
		all = append(all, p)
		if t == nil || slices.Contains(p.Links("teams"), t.ID) {
			plans = append(plans, p)
		}
	}
	if len(plans) == 0 {
		// No plan names the team: what activates the organisation's plans
		// activates it too.
		plans = all
	}
	var out []span
	for _, p := range plans {
		if sec := sectionText(p.Body, "activation"); len(sec) > 0 {
			if len(plans) > 1 {
				out = append(out, span{st: italic, text: p.Title + ": "})
			}
			out = append(out, sec...)
			out = append(out, span{text: "\n"})
		}
	}
	if len(out) == 0 {
		for _, p := range plans {
			for _, id := range p.Links("runbooks") {
				if r := ix.byID[id]; r != nil && r.Text("activation") != "" {
					out = append(out, span{text: r.Title + ": " + r.Text("activation") + "\n"})
				}
			}
		}
	}
	if len(out) == 0 {
		return styled(italic, "No plan says: write an Activation section in the plan that activates this team.")
	}
	return out
}

// sectionText is the text of the first section of a Markdown body whose
// heading holds word, as spans: its paragraphs and list items, one a
// line.
func sectionText(body, word string) []span {
	src := []byte(body)
	doc := md.Parser().Parse(text.NewReader(src))
	level := 0
	var out []span
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok {
			if level > 0 && h.Level <= level {
				break
			}
			if level == 0 && strings.Contains(strings.ToLower(spansText(inlineSpans(h, src, regular))), word) {
				level = h.Level
			}
			continue
		}
		if level == 0 {
			continue
		}
		ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch c.(type) {
			case *ast.Paragraph, *ast.TextBlock:
				if _, inItem := c.Parent().(*ast.ListItem); inItem {
					out = append(out, span{text: "• "})
				}
				out = append(out, inlineSpans(c, src, regular)...)
				out = append(out, span{text: "\n"})
				return ast.WalkSkipChildren, nil
			}
			return ast.WalkContinue, nil
		})
	}
	if len(out) > 0 {
		out[len(out)-1].text = strings.TrimSuffix(out[len(out)-1].text, "\n")
	}
	return out
}
