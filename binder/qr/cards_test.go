package qr

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"testing"

	bcrypto "gobag/crypto"
)

// Codes of cards read back whole, drawn alone (saved from the app) and
// inside a larger image (a screenshot of the window), for many cards: a
// reader that misses some codes fails here.
func TestReadsCardsAloneAndInAScreenshot(t *testing.T) {
	fail := 0
	for i := 0; i < 40; i++ {
		id, _ := bcrypto.NewIdentity("sam")
		text := []byte(id.Card().String())
		img, _ := Image(text, -4)
		big := image.NewRGBA(image.Rect(0, 0, 900, 700))
		draw.Draw(big, big.Bounds(), &image.Uniform{color.RGBA{230, 230, 240, 255}}, image.Point{}, draw.Src)
		draw.Draw(big, img.Bounds().Add(image.Pt(317, 151)), img, image.Point{}, draw.Src)
		var b bytes.Buffer
		png.Encode(&b, big)
		got, err := Read(b.Bytes())
		if err != nil || string(got) != string(text) {
			fail++
		}
		alone, _ := PNG(text, 4)
		if got, err := Read(alone); err != nil || string(got) != string(text) {
			fail++
		}
	}
	if fail > 0 {
		t.Fatalf("%d of 80 codes not read back", fail)
	}
}
