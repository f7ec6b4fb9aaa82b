package print

import (
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"sync"

	"github.com/signintech/gopdf"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

const runningSize = 8.0

// decorate adds, to every page not plain, the running header (its left
// and right) and the footer: its left and "page x of y".
func (d *Document) decorate(i int) []op {
	p := d.pages[i]
	if p.plain {
		return nil
	}
	var out []op
	w := &writer{d: d, cur: &page{}}
	top := marginTop - 22
	w.text(marginX, top, regular, runningSize, grey, d.headerLeft)
	if d.headerRight != "" {
		w.text(d.paper.W-marginX-width(regular, runningSize, d.headerRight), top, regular, runningSize, grey, d.headerRight)
	}
	w.line(marginX, top+4, d.paper.W-marginX, top+4, 0.4, rule)
	base := d.paper.H - marginBottom + 24
	w.line(marginX, base-11, d.paper.W-marginX, base-11, 0.4, rule)
	w.text(marginX, base, regular, runningSize, grey, d.footerLeft)
	n := fmt.Sprintf("page %d of %d", i+1, len(d.pages))
	w.text(d.paper.W-marginX-width(regular, runningSize, n), base, regular, runningSize, grey, n)
	out = append(out, w.cur.ops...)
	return out
}

// WritePDF writes the document as PDF.
func (d *Document) WritePDF(out io.Writer) error {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: gopdf.Rect{W: d.paper.W, H: d.paper.H}, Unit: gopdf.UnitPT})
	pdf.SetInfo(gopdf.PdfInfo{Title: d.Title, Creator: "gobag", Producer: "gobag"})
	// Text compresses well at the fastest level; the best saves a few
	// per cent for twice the time.
	pdf.SetCompressLevel(zlib.BestSpeed)
	used := [nStyles]bool{}
	for _, p := range d.pages {
		for _, o := range p.ops {
			if o.kind == opText {
				used[o.st] = true
			}
		}
	}
	used[regular] = true // the running header and footer
	for i, f := range fonts() {
		if !used[i] {
			continue
		}
		if err := pdf.AddTTFFontData(f.name, f.data); err != nil {
			return fmt.Errorf("font %s: %w", f.name, err)
		}
	}
	for i, p := range d.pages {
		pdf.AddPage()
		font, size := style(-1), 0.0
		for _, o := range append(p.ops, d.decorate(i)...) {
			switch o.kind {
			case opText:
				if o.st != font || o.size != size {
					if err := pdf.SetFont(fonts()[o.st].name, "", o.size); err != nil {
						return err
					}
					font, size = o.st, o.size
				}
				// A fill colour set for a rectangle colours text too:
				// each text sets its own.
				pdf.SetTextColor(o.col.r, o.col.g, o.col.b)
				pdf.SetXY(o.x, o.y)
				if err := pdf.Text(o.text); err != nil {
					return err
				}
			case opLine:
				pdf.SetLineWidth(o.width)
				pdf.SetStrokeColor(o.col.r, o.col.g, o.col.b)
				pdf.Line(o.x, o.y, o.x+o.w, o.y+o.h)
			case opRect:
				if o.fill {
					pdf.SetFillColor(o.col.r, o.col.g, o.col.b)
					pdf.RectFromUpperLeftWithStyle(o.x, o.y, o.w, o.h, "F")
				} else {
					pdf.SetLineWidth(o.width)
					pdf.SetStrokeColor(o.col.r, o.col.g, o.col.b)
					pdf.RectFromUpperLeftWithStyle(o.x, o.y, o.w, o.h, "D")
				}
			case opImage:
				if err := pdf.ImageFrom(o.img, o.x, o.y, &gopdf.Rect{W: o.w, H: o.h}); err != nil {
					return err
				}
			}
		}
	}
	return pdf.Write(out)
}

// faceCache holds the faces the preview draws text with, by style and
// size in pixels.
var faceCache sync.Map

type faceKey struct {
	st   style
	size float64
}

func rasterFace(st style, px float64) (font.Face, error) {
	k := faceKey{st, px}
	if f, ok := faceCache.Load(k); ok {
		return f.(font.Face), nil
	}
	otf, err := opentype.Parse(fonts()[st].data)
	if err != nil {
		return nil, err
	}
	f, err := opentype.NewFace(otf, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	faceCache.Store(k, f)
	return f, nil
}

// Preview draws page i (from 0) at scale pixels per point: what the PDF
// shows, for a preview on screen.
func (d *Document) Preview(i int, scale float64) (image.Image, error) {
	if i < 0 || i >= len(d.pages) {
		return nil, fmt.Errorf("page %d of %d", i+1, len(d.pages))
	}
	img := image.NewRGBA(image.Rect(0, 0, int(d.paper.W*scale), int(d.paper.H*scale)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	col := func(c rgb) *image.Uniform { return image.NewUniform(color.RGBA{c.r, c.g, c.b, 255}) }
	box := func(x, y, w, h float64) image.Rectangle {
		return image.Rect(int(x*scale), int(y*scale), int((x+w)*scale+0.5), int((y+h)*scale+0.5))
	}
	for _, o := range append(d.pages[i].ops, d.decorate(i)...) {
		switch o.kind {
		case opText:
			f, err := rasterFace(o.st, o.size*scale)
			if err != nil {
				return nil, err
			}
			dr := font.Drawer{Dst: img, Src: col(o.col), Face: f, Dot: fixed.Point26_6{X: fixed.Int26_6(o.x * scale * 64), Y: fixed.Int26_6(o.y * scale * 64)}}
			dr.DrawString(o.text)
		case opLine:
			lw := max(o.width, 1/scale)
			if o.h == 0 {
				draw.Draw(img, box(o.x, o.y-lw/2, o.w, lw), col(o.col), image.Point{}, draw.Over)
			} else {
				draw.Draw(img, box(o.x-lw/2, o.y, lw, o.h), col(o.col), image.Point{}, draw.Over)
			}
		case opRect:
			if o.fill {
				draw.Draw(img, box(o.x, o.y, o.w, o.h), col(o.col), image.Point{}, draw.Over)
				continue
			}
			lw := max(o.width, 1/scale)
			for _, r := range []image.Rectangle{box(o.x, o.y, o.w, lw), box(o.x, o.y+o.h-lw, o.w, lw), box(o.x, o.y, lw, o.h), box(o.x+o.w-lw, o.y, lw, o.h)} {
				draw.Draw(img, r, col(o.col), image.Point{}, draw.Over)
			}
		case opImage:
			xdraw.NearestNeighbor.Scale(img, box(o.x, o.y, o.w, o.h), o.img, o.img.Bounds(), draw.Over, nil)
		}
	}
	return img, nil
}
