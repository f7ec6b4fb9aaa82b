package qr

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	text := []byte("gobag-handover 1\n" + strings.Repeat("gobag-audit 1\nid: abc\n", 60))
	data, err := PNG(text, 4)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(data)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("read back: %v", err)
	}
	// zbarimg, an independent reader, reads the same code.
	if _, err := exec.LookPath("zbarimg"); err == nil {
		f := filepath.Join(t.TempDir(), "code.png")
		os.WriteFile(f, data, 0o600)
		out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sbinary", f).Output()
		if err != nil || !bytes.Equal(out, text) && !bytes.Equal(bytes.TrimSuffix(out, []byte("\n")), text) {
			t.Fatalf("zbarimg: %v %q", err, out)
		}
	}
}

func TestRefusals(t *testing.T) {
	if _, err := PNG(bytes.Repeat([]byte("x"), MaxText+1), 4); err == nil {
		t.Error("an over-long text was encoded")
	}
	blank := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	blank.Set(1, 1, color.Black)
	var b bytes.Buffer
	png.Encode(&b, blank)
	if _, err := Read(b.Bytes()); !errors.Is(err, ErrNoCode) {
		t.Errorf("a blank image: %v", err)
	}
	if _, err := Read([]byte("not an image")); err == nil {
		t.Error("text read as an image")
	}
	if !IsImage(b.Bytes()) || IsImage([]byte("gobag-handover 1")) {
		t.Error("IsImage")
	}
}
