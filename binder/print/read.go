package print

import (
	"context"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// Read reads what a printed document shows from the open binder b: the
// records an export may hold (binder.ForExport with audience), the
// history, the plans' signed approvals, the members, and the verdict of
// verifying the whole history now. remotes are where its copies are kept
// (the caller knows them).
func Read(ctx context.Context, b *binder.Binder, audience string, remotes []Remote) (*Source, error) {
	all, err := b.Records(ctx)
	if err != nil {
		return nil, err
	}
	recs, left, err := binder.ForExport(all, audience, b.Roster())
	if err != nil {
		return nil, err
	}
	src := &Source{Name: b.Name(ctx), Fingerprint: b.Fingerprint(), Commit: b.Tip(), Now: time.Now(),
		PrintedBy: b.Identity().Handle, Records: recs, LeftOut: left, Audience: audience, Remotes: remotes}
	in := map[string]bool{}
	for _, r := range recs {
		in[r.ID] = true
	}
	for _, r := range all {
		if !in[r.ID] && !r.Deleted && !r.Unreadable && r.Title != "" {
			src.Withheld = append(src.Withheld, r.Title)
		}
	}
	if src.History, err = b.Log(ctx, "", 0); err != nil {
		return nil, err
	}
	if len(src.History) > 0 {
		src.CommitTime = src.History[0].Time
	}
	if src.Approvals, err = b.PlanApprovals(ctx); err != nil {
		return nil, err
	}
	rep, err := binder.Verify(ctx, b.Dir(), nil)
	switch {
	case err != nil:
		src.Problems = []string{err.Error()}
	case len(rep.Problems) > 0:
		for _, p := range rep.Problems {
			src.Problems = append(src.Problems, p.String())
		}
	default:
		src.Verified, src.Commits, src.Versions = true, rep.Commits, rep.Versions
	}
	for _, m := range b.Roster().Members {
		pm := Member{Handle: m.Handle, Roles: m.Roles}
		if k, err := bcrypto.ParsePublicKey(m.SigningKey); err == nil {
			pm.Fingerprint = k.Fingerprint()
		}
		src.Members = append(src.Members, pm)
	}
	return src, nil
}
