package crypto

import (
	"errors"
	"strings"
	"testing"
)

func TestCardRoundTrip(t *testing.T) {
	id, err := NewIdentity("ana")
	if err != nil {
		t.Fatal(err)
	}
	line := id.Card().String()
	if strings.ContainsAny(line, "\n\t") || !strings.HasPrefix(line, "gobag-card1 ana age1") {
		t.Fatalf("card line %q", line)
	}
	// Wrapped by a mail program.
	wrapped := strings.Replace(line, " ", "\n  ", 2)
	c, err := ParseCard(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if c.Handle != "ana" || c.Recipient != id.Recipient().String() || !c.SigningKey.Equal(id.SigningKey()) {
		t.Errorf("card read back as %+v", c)
	}
}

func TestCardRefusals(t *testing.T) {
	id, _ := NewIdentity("ana")
	line := id.Card().String()
	f := strings.Fields(line)
	other, _ := NewIdentity("ben")
	of := strings.Fields(other.Card().String())
	for name, s := range map[string]string{
		"empty":          "",
		"not a card":     "age1qqq",
		"cut short":      line[:len(line)-20],
		"check changed":  strings.Join(append(f[:4:4], "00000000"), " "),
		"key swapped":    strings.Join([]string{f[0], f[1], f[2], of[3], f[4]}, " "),
		"handle changed": strings.Replace(line, " ana ", " anna ", 1),
	} {
		if _, err := ParseCard(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v; want ErrMalformed", name, err)
		}
	}
}
