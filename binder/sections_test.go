package binder

import (
	"fmt"
	"testing"
)

func TestSections(t *testing.T) {
	body := "Intro.\n\n# 1. Scope\n\n> *Guidance:* say it.\n> more guidance\n\n## 1.1 Sub\n\nReal text.\n\n# 2. Empty one\n\n> *Guidance:* x\n\n```\n# not a heading\n```\n# Appendix B: Vendors ##\n\n- a vendor\n"
	got := ParseSections(body)
	want := []Section{{"1. Scope", 1, false}, {"1.1 Sub", 2, false}, {"2. Empty one", 1, false}, {"Appendix B: Vendors", 1, false}}
	// "2. Empty one" holds a code block: content.
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v; want %v", got, want)
	}
	got = ParseSections("# A\n\n> *Guidance:* only this\n\n## B\n\n> Guidance: nor this\n")
	if !got[0].Empty || !got[1].Empty {
		t.Fatalf("guidance only: %v", got)
	}
	for in, want := range map[string]string{
		"5.2 Succession of Authority": "succession of authority",
		"Appendix B: Vendor contacts": "vendor contacts",
		"g) Recovery plans":           "recovery plans",
		"IV. Recovery":                "recovery",
		"Continuity — COOP":           "continuity coop",
	} {
		if got := SectionKey(in); got != want {
			t.Errorf("sectionKey(%q) = %q; want %q", in, got, want)
		}
	}
	for _, typ := range []string{"bcp", "drp", "coop", "iscp"} {
		if n := len(RequiredSections(typ)); n < 8 {
			t.Errorf("%s template has %d sections", typ, n)
		}
	}
}
