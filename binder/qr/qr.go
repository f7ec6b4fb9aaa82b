// Package qr carries short texts (a member's card, a hand-over of an
// escrow request or approval) as QR codes: a PNG to show or print, and
// the text read back from a photo or a saved image.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photos of a screen or a printout
	_ "image/png"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/skip2/go-qrcode"
)

// MaxText is the longest text a code carries (binary mode, level L:
// 2953 bytes; less, so that a phone's camera still reads it).
const MaxText = 2800

// MaxImageBytes bounds an image to read.
const MaxImageBytes = 16 << 20

// ErrNoCode means no QR code was found in an image.
var ErrNoCode = errors.New("no QR code found in the image")

// PNG renders text as a QR code, each module size pixels square (whole
// pixels: a scaled module blurs and readers miss the code).
func PNG(text []byte, size int) ([]byte, error) {
	if len(text) > MaxText {
		return nil, fmt.Errorf("qr: %d bytes is too long for one code (at most %d)", len(text), MaxText)
	}
	q, err := qrcode.New(string(text), qrcode.Low)
	if err != nil {
		return nil, err
	}
	return q.PNG(-size)
}

// Image renders text as a QR code image.
func Image(text []byte, size int) (image.Image, error) {
	if len(text) > MaxText {
		return nil, fmt.Errorf("qr: %d bytes is too long for one code (at most %d)", len(text), MaxText)
	}
	q, err := qrcode.New(string(text), qrcode.Low)
	if err != nil {
		return nil, err
	}
	return q.Image(size), nil
}

// IsImage reports whether data starts as a PNG or JPEG file does.
func IsImage(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff})
}

// Read finds a QR code in a PNG or JPEG image and returns its text.
func Read(data []byte) ([]byte, error) {
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("qr: the image is %d bytes, over the limit of %d", len(data), MaxImageBytes)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("qr: not a PNG or JPEG image: %w", err)
	}
	if cfg.Width*cfg.Height > 40e6 {
		return nil, fmt.Errorf("qr: the image is %d×%d pixels; at most 40 megapixels", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	// A code saved or screenshotted as it was drawn reads best as a pure
	// code; a photo needs the finder patterns looked for.
	r := gozxingqr.NewQRCodeReader()
	for _, hints := range []map[gozxing.DecodeHintType]any{
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
		nil,
	} {
		if res, err := r.Decode(bmp, hints); err == nil {
			return []byte(res.GetText()), nil
		}
	}
	return nil, ErrNoCode
}
