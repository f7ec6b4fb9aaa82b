package binder

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode"

	"gobag/assets"
)

// A plan's sections are the Markdown headings of its body. A plan type's
// required sections are the headings of its template (assets/templates):
// one source for what `gobag add plan --template` writes and what
// `gobag check` expects. Headings match by their words, ignoring case,
// accents, punctuation and numbering ("5.2 Succession of authority" is
// "succession of authority").

// Section is one heading of a plan and the text under it.
type Section struct {
	Title string `json:"title"`
	Level int    `json:"level"`
	// Empty means the section holds nothing but guidance (blockquotes
	// starting "Guidance:") and blank lines, in itself and its subsections.
	Empty bool `json:"empty"`
}

// ParseSections lists the sections of a Markdown body, in order.
func ParseSections(body string) []Section {
	var out []Section
	var content []bool // whether each section so far has content of its own
	inGuidance, inFence := false, false
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			inFence = !inFence
		}
		if level, title, ok := heading(line); ok && !inFence {
			out = append(out, Section{Title: title, Level: level})
			content = append(content, false)
			inGuidance = false
			continue
		}
		switch {
		case trimmed == "":
			inGuidance = false
			continue
		case strings.HasPrefix(trimmed, ">"):
			q := strings.TrimSpace(strings.TrimLeft(trimmed, "> "))
			if isGuidance(q) {
				inGuidance = true
			}
			if inGuidance {
				continue
			}
		case inGuidance:
			continue
		}
		if len(content) > 0 {
			content[len(content)-1] = true
		}
	}
	// A section is empty if neither it nor any of its subsections has
	// content.
	for i := range out {
		has := content[i]
		for j := i + 1; j < len(out) && out[j].Level > out[i].Level && !has; j++ {
			has = content[j]
		}
		out[i].Empty = !has
	}
	return out
}

func isGuidance(s string) bool {
	s = strings.TrimLeft(s, "*_ ")
	return strings.HasPrefix(strings.ToLower(s), "guidance")
}

// heading parses an ATX Markdown heading: "## Title".
func heading(line string) (int, string, bool) {
	level := 0
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level >= len(line) || line[level] != ' ' {
		return 0, "", false
	}
	title := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[level:]), "#"))
	return level, title, title != ""
}

// SectionKey is a heading reduced to its words: no numbering, case,
// accents or punctuation.
func SectionKey(title string) string {
	words := strings.FieldsFunc(fold(title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	// Drop leading numbering: "5", "5.2", "a)", "appendix b", "section 3".
	for len(words) > 0 {
		w := words[0]
		if isDigits(w) || (len(w) == 1 && len(words) > 1) || w == "appendix" || w == "section" || romanNumeral(w) {
			words = words[1:]
			continue
		}
		break
	}
	return strings.Join(words, " ")
}

func romanNumeral(w string) bool {
	switch w {
	case "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii":
		return true
	}
	return false
}

// AfterActionTemplate names the template of an exercise's after-action
// report.
const AfterActionTemplate = "after-action"

// Template is the template called name: a plan type's (a plan record
// whose body holds the sections the type requires, each with guidance),
// or the after-action report's (an exercise).
func Template(name string) (*Record, error) {
	if strings.ContainsAny(name, "/\\.") {
		return nil, errorf(Invalid, "templates: "+strings.Join(TemplateNames(""), ", "), "no template %q", name)
	}
	data, err := assets.Templates.ReadFile("templates/" + name + ".md")
	if err != nil {
		return nil, errorf(Invalid, "templates: "+strings.Join(TemplateNames(""), ", "), "no template %q", name)
	}
	r, err := ParseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return r, nil
}

// FromTemplate is a new record from the template called name, as of now:
// an after-action report is dated today, since a held exercise with no
// date counts for no plan.
func FromTemplate(name string, now time.Time) (*Record, error) {
	r, err := Template(name)
	if err != nil {
		return nil, err
	}
	if r.Kind == "exercise" {
		if _, ok := r.Fields["date"]; !ok {
			r.Fields["date"] = dateOf(now)
		}
	}
	return r, nil
}

// TemplateNames lists the templates of records of kind ("": of every
// kind), by name.
func TemplateNames(kind string) []string {
	var names []string
	entries, _ := fs.ReadDir(assets.Templates, "templates")
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".md")
		if kind != "" {
			if t, err := Template(name); err != nil || t.Kind != kind {
				continue
			}
		}
		names = append(names, name)
	}
	return names
}

// RequiredSections returns the sections a plan of the given type must
// have: its template's headings (none for a type without a template).
func RequiredSections(planType string) []Section {
	t, err := Template(planType)
	if err != nil || t.Kind != "plan" {
		return nil
	}
	return ParseSections(t.Body)
}
