package readiness

import (
	"context"
	"fmt"
	"strings"

	"gobag/binder"
	"gobag/binder/roster"
)

// Team is what the rules of the team and escrow read besides the records:
// the roster, the escrowed secrets and the plans' signed approvals.
type Team struct {
	Members   []roster.Member
	Secrets   []*binder.Secret
	Approvals map[string]binder.PlanApproval // by plan id
}

// TeamOf reads b's team.
func TeamOf(ctx context.Context, b *binder.Binder) (*Team, error) {
	secrets, err := b.Secrets(ctx)
	if err != nil {
		return nil, err
	}
	approvals, err := b.PlanApprovals(ctx)
	if err != nil {
		return nil, err
	}
	return &Team{Members: b.Roster().Members, Secrets: secrets, Approvals: approvals}, nil
}

func (t *Team) member(handle string) *roster.Member {
	for i := range t.Members {
		if t.Members[i].Handle == handle {
			return &t.Members[i]
		}
	}
	return nil
}

// team runs the rules of the team and escrow.
func (c *checker) team(t *Team) {
	managers := 0
	for _, m := range t.Members {
		if m.Has(roster.RoleManager) {
			managers++
		}
	}
	if managers == 1 {
		c.add("team.single-manager", nil, &binder.Fix{Action: binder.ActionMemberRoles, Field: roster.RoleManager, Note: "give a second member the manager role"},
			"the binder has a single manager: if they are unavailable, nobody can change the roster")
	}
	bySecretCredential := map[string][]*binder.Secret{}
	for _, s := range t.Secrets {
		rec := c.byID[s.ID]
		if s.Credential != "" {
			bySecretCredential[s.Credential] = append(bySecretCredential[s.Credential], s)
		}
		rotate := &binder.Fix{Action: binder.ActionRotateSecret, Value: s.Name}
		var gone []string
		for _, h := range s.Custodians {
			if t.member(h) == nil {
				gone = append(gone, h)
			}
		}
		if len(gone) > 0 {
			c.addSecret("escrow.custodian-not-member", s, rec, rotate, "custodian %s of %q is not a member of the binder (removed): rotate it with custodians who are",
				strings.Join(gone, " and "), s.Name)
		}
		if left := len(s.Custodians) - len(gone); s.Generation > 0 && s.Threshold > left {
			c.addSecret("escrow.threshold-exceeds-custodians", s, rec, rotate, "%q needs %d custodians to open it, but %d of its custodians are members: it cannot be opened", s.Name, s.Threshold, left)
		}
		if len(s.Rotate) > 0 {
			c.addSecret("escrow.rotation", s, rec, rotate, "%q must be rotated: %s", s.Name, strings.Join(s.Rotate, "; "))
		}
	}
	for _, cr := range c.byKind["credential"] {
		custodians := cr.Strings("custodians")
		if n, ok := cr.Int("threshold"); ok && len(custodians) > 0 && int(n) > len(custodians) {
			c.add("escrow.threshold-exceeds-custodians", cr, edit(cr, "threshold", fmt.Sprint(len(custodians)), "or name more custodians"),
				"needs %d custodians to open it, but names %d", n, len(custodians))
		}
		var gone []string
		for _, h := range custodians {
			if t.member(h) == nil {
				gone = append(gone, h)
			}
		}
		if len(gone) > 0 {
			c.add("escrow.custodian-not-member", cr, edit(cr, "custodians", "", "name custodians who are members"),
				"names %s as custodian, who is not a member of the binder", strings.Join(gone, " and "))
		}
	}
	for _, s := range c.byKind["system"] {
		if !critical(s) {
			continue
		}
		for _, cr := range c.liveLinks(s, "credentials") {
			id := cr.ID
			secrets := bySecretCredential[id]
			most := 0
			for _, sec := range secrets {
				n := 0
				for _, h := range sec.Custodians {
					if t.member(h) != nil {
						n++
					}
				}
				most = max(most, n)
			}
			if most < 2 {
				fix := &binder.Fix{Action: binder.ActionPutSecret, Record: id}
				if len(secrets) > 0 {
					fix = &binder.Fix{Action: binder.ActionRotateSecret, Value: secrets[0].Name, Note: "with at least two custodians"}
				}
				c.add("system.credential-custodians", s, fix, "critical system's credential %q is escrowed with %d custodians who are members; it needs at least 2",
					cr.Title, most)
			}
		}
	}
	for _, p := range c.byKind["plan"] {
		if p.Text("status") != "approved" {
			continue
		}
		fix := &binder.Fix{Action: binder.ActionApprovePlan, Record: p.ID}
		a, ok := t.Approvals[p.ID]
		switch {
		case !ok:
			c.add("plan.approval-unsigned", p, fix, "is marked approved, but no manager signed an approval of it")
		case !a.Current:
			c.add("plan.approval-unsigned", p, fix, "changed after it was approved (%s): the approval is not of its current version", a)
		case !a.Manager:
			c.add("plan.approval-unsigned", p, fix, "was %s, who is not a manager now", a)
		}
	}
}

// addSecret reports a finding on a secret (its record, if readable).
func (c *checker) addSecret(rule string, s *binder.Secret, rec *binder.Record, fix *binder.Fix, format string, args ...any) {
	if rec == nil {
		rec = &binder.Record{ID: s.ID, Kind: "secret", Title: s.Name}
	}
	c.add(rule, rec, fix, format, args...)
}
