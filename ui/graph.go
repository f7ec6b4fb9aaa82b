package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder/recovery"
)

// dependencyGraph draws the systems of a recovery plan and their
// dependencies, layered left to right: each system stands right of every
// system it depends on, so the picture reads in the order of recovery. The
// longest critical path is highlighted, and a system whose critical path
// misses its RTO is drawn in the error colour. Tapping a system calls open
// with its id.
type dependencyGraph struct {
	widget.BaseWidget
	open  func(id string)
	nodes []graphNode
	edges []graphEdge
	size  fyne.Size
	objs  []fyne.CanvasObject // edges first, so that boxes cover their ends
}

type graphNode struct {
	step   recovery.Step
	pos    fyne.Position
	onPath bool
	missed bool
	box    *canvas.Rectangle
	title  *canvas.Text
	times  *canvas.Text
}

type graphEdge struct {
	from, to int // node indexes: to depends on from
	onPath   bool
	line     *canvas.Line
}

// The picture's measures.
const (
	nodeWidth  = 190
	nodeHeight = 50
	gapX       = 64
	gapY       = 14
	margin     = 12
)

var _ fyne.Tappable = (*dependencyGraph)(nil)
var _ desktop.Cursorable = (*dependencyGraph)(nil)

func newDependencyGraph(open func(id string)) *dependencyGraph {
	g := &dependencyGraph{open: open}
	g.ExtendBaseWidget(g)
	return g
}

// setPlan draws p.
func (g *dependencyGraph) setPlan(p *recovery.Plan) {
	index := map[string]int{}
	layer := make([]int, len(p.Steps))
	perLayer := map[int]int{}
	g.nodes = make([]graphNode, len(p.Steps))
	g.edges = g.edges[:0]
	width, height := 0, 0
	// The steps come dependencies first (a cycle's back edges aside): a
	// system's layer is one more than its dependencies' deepest.
	for i, s := range p.Steps {
		index[s.ID] = i
		for _, d := range s.DependsOn {
			if j, ok := index[d]; ok {
				layer[i] = max(layer[i], layer[j]+1)
			}
		}
		row := perLayer[layer[i]]
		perLayer[layer[i]]++
		g.nodes[i] = graphNode{step: s, missed: s.RTOMet != nil && !*s.RTOMet,
			pos: fyne.NewPos(float32(margin+layer[i]*(nodeWidth+gapX)), float32(margin+row*(nodeHeight+gapY)))}
		width, height = max(width, layer[i]+1), max(height, row+1)
	}
	for i, s := range p.Steps {
		for _, d := range s.DependsOn {
			if j, ok := index[d]; ok && j != i {
				g.edges = append(g.edges, graphEdge{from: j, to: i})
			}
		}
	}
	g.markCriticalPath()
	g.size = fyne.NewSize(float32(2*margin+width*(nodeWidth+gapX)-gapX), float32(2*margin+height*(nodeHeight+gapY)-gapY))
	if len(p.Steps) == 0 {
		g.size = fyne.NewSize(0, 0)
	}
	g.build()
	g.Refresh()
}

// markCriticalPath highlights the critical path of the system that misses
// its RTO by the longest path, or else of the one with the longest path:
// the chain of dependencies that decides when it is back.
func (g *dependencyGraph) markCriticalPath() {
	end := -1
	for i, n := range g.nodes {
		if end < 0 || n.missed && !g.nodes[end].missed ||
			n.missed == g.nodes[end].missed && n.step.CriticalPathMinutes > g.nodes[end].step.CriticalPathMinutes {
			end = i
		}
	}
	if end < 0 {
		return
	}
	g.nodes[end].onPath = true
	// Path holds titles, first restored first, ending with the system
	// itself: walk it back along the dependencies.
	path := g.nodes[end].step.Path
	at := end
	for k := len(path) - 2; k >= 0; k-- {
		next := -1
		for e := range g.edges {
			if g.edges[e].to == at && g.nodes[g.edges[e].from].step.Title == path[k] {
				g.edges[e].onPath = true
				next = g.edges[e].from
				break
			}
		}
		if next < 0 {
			return
		}
		g.nodes[next].onPath = true
		at = next
	}
}

// build makes the canvas objects of the nodes and edges.
func (g *dependencyGraph) build() {
	g.objs = g.objs[:0]
	for e := range g.edges {
		l := canvas.NewLine(color.Black)
		from, to := g.nodes[g.edges[e].from].pos, g.nodes[g.edges[e].to].pos
		l.Position1 = fyne.NewPos(from.X+nodeWidth, from.Y+nodeHeight/2)
		l.Position2 = fyne.NewPos(to.X, to.Y+nodeHeight/2)
		g.edges[e].line = l
		g.objs = append(g.objs, l)
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		n.box = canvas.NewRectangle(color.Transparent)
		n.box.CornerRadius = 6
		n.box.Move(n.pos)
		n.box.Resize(fyne.NewSize(nodeWidth, nodeHeight))
		n.title = canvas.NewText("", color.Black)
		n.title.TextStyle = fyne.TextStyle{Bold: true}
		n.title.Move(n.pos.AddXY(8, 5))
		n.times = canvas.NewText("", color.Black)
		n.times.Move(n.pos.AddXY(8, 27))
		g.objs = append(g.objs, n.box, n.title, n.times)
	}
}

// Tapped opens the system under the pointer, if any.
func (g *dependencyGraph) Tapped(ev *fyne.PointEvent) {
	if i := g.nodeAt(ev.Position); i >= 0 && g.open != nil {
		g.open(g.nodes[i].step.ID)
	}
}

// nodeAt returns the index of the node at p, or -1.
func (g *dependencyGraph) nodeAt(p fyne.Position) int {
	for i, n := range g.nodes {
		if p.X >= n.pos.X && p.X < n.pos.X+nodeWidth && p.Y >= n.pos.Y && p.Y < n.pos.Y+nodeHeight {
			return i
		}
	}
	return -1
}

// Cursor shows a pointer over the picture, whose systems can be chosen.
func (g *dependencyGraph) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (g *dependencyGraph) MinSize() fyne.Size { return g.size }

func (g *dependencyGraph) CreateRenderer() fyne.WidgetRenderer { return &graphRenderer{g: g} }

type graphRenderer struct{ g *dependencyGraph }

func (r *graphRenderer) Layout(fyne.Size) {}

func (r *graphRenderer) MinSize() fyne.Size { return r.g.size }

func (r *graphRenderer) Objects() []fyne.CanvasObject { return r.g.objs }

func (r *graphRenderer) Destroy() {}

// Refresh colours the picture from the current theme, so that it reads in
// light and dark alike.
func (r *graphRenderer) Refresh() {
	g := r.g
	th := g.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
	textSize := th.Size(theme.SizeNameText)
	small := th.Size(theme.SizeNameCaptionText)
	for e := range g.edges {
		l := g.edges[e].line
		l.StrokeColor, l.StrokeWidth = c(theme.ColorNameDisabled), 1
		if g.edges[e].onPath {
			l.StrokeColor, l.StrokeWidth = c(theme.ColorNamePrimary), 3
		}
		l.Refresh()
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		n.box.FillColor = c(theme.ColorNameInputBackground)
		n.box.StrokeColor, n.box.StrokeWidth = c(theme.ColorNameInputBorder), 1
		if n.onPath {
			n.box.StrokeColor, n.box.StrokeWidth = c(theme.ColorNamePrimary), 3
		}
		if n.missed {
			n.box.FillColor = c(theme.ColorNameError)
			n.box.FillColor = withAlpha(n.box.FillColor, 0x40)
			if !n.onPath {
				n.box.StrokeColor, n.box.StrokeWidth = c(theme.ColorNameError), 2
			}
		}
		n.box.Refresh()
		n.title.Color, n.title.TextSize = c(theme.ColorNameForeground), textSize
		n.title.Text = fitText(n.step.Title, nodeWidth-16, textSize, n.title.TextStyle)
		n.title.Refresh()
		n.times.Color, n.times.TextSize = c(theme.ColorNameForeground), small
		n.times.Text = fitText(stepTimes(n.step), nodeWidth-16, small, fyne.TextStyle{})
		if n.missed {
			n.times.Color = c(theme.ColorNameError)
		}
		n.times.Refresh()
	}
}

// stepTimes words a system's times for the picture.
func stepTimes(s recovery.Step) string {
	t := "back after " + s.CriticalPath
	if s.RTO != "" {
		t += " · RTO " + s.RTO
	}
	return t
}

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

// fitText cuts s, with an ellipsis, to fit width at size.
func fitText(s string, width, size float32, style fyne.TextStyle) string {
	if fyne.MeasureText(s, size, style).Width <= width {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(r[:mid])+"…", size, style).Width <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(r[:lo]) + "…"
}
