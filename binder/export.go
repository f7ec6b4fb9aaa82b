package binder

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gobag/binder/roster"
)

// ForExport is what an export (a file in plaintext, a printout) may hold
// of recs: the live records this identity reads whose audience is all
// or, when audience is not empty, exactly that audience (a role or
// handles, as --audience names them). left counts the restricted records
// left out. The audience must name roles or members of the roster
// members, so that a typing error is not a silent omission.
func ForExport(recs []*Record, audience string, members *roster.Roster) (out []*Record, left int, err error) {
	want := ""
	if audience != "" {
		names, perr := roster.ParseAudience(audience)
		if perr == nil && members != nil {
			_, perr = members.Audience(names)
		}
		if perr != nil {
			return nil, 0, &Error{Kind: Invalid, Err: fmt.Errorf("the audience to export: %w", perr), Hint: "name a role (managers, custodians, responders, auditors) or members' handles, comma-separated"}
		}
		want, _ = audienceKey(audience)
	}
	for _, r := range recs {
		key, _ := audienceKey(r.Audience)
		switch {
		case r.Deleted || r.Unreadable:
		case key == roster.AudienceAll || want != "" && key == want:
			out = append(out, r)
		default:
			left++
		}
	}
	return out, left, nil
}

// audienceKey is an audience in a form that compares: its names
// canonical and sorted; "" is all.
func audienceKey(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return roster.AudienceAll, nil
	}
	names, err := roster.ParseAudience(s)
	if err != nil {
		return "", err
	}
	slices.Sort(names)
	return strings.Join(names, ","), nil
}

// SortCallList orders contacts as a call list: by their place in the call
// tree (those without one last), then by name.
func SortCallList(recs []*Record) {
	sort.SliceStable(recs, func(i, j int) bool {
		ei, iok := recs[i].Int("escalation")
		ej, jok := recs[j].Int("escalation")
		if iok != jok {
			return iok
		}
		if ei != ej {
			return ei < ej
		}
		return strings.ToLower(recs[i].Title) < strings.ToLower(recs[j].Title)
	})
}
