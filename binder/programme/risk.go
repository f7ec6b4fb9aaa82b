package programme

import (
	"fmt"
	"sort"

	"gobag/binder"
)

// The bands of a risk rating.
const (
	Low      = "low"
	Medium   = "medium"
	High     = "high"
	Critical = "critical"
)

// DefaultHigh is the rating from which a risk is high when the binder's
// settings do not say (risk_high).
const DefaultHigh = 10

// Rating is a risk's likelihood × impact on 5-point scales.
type Rating struct {
	Likelihood int64 `json:"likelihood"`
	Impact     int64 `json:"impact"`
	// Score is Likelihood × Impact, 1 to 25; 0 when not rated.
	Score int64 `json:"score"`
}

// String is the rating as "15 (3×5)", or "not rated".
func (r Rating) String() string {
	if !r.Rated() {
		return "not rated"
	}
	return fmt.Sprintf("%d (%d×%d)", r.Score, r.Likelihood, r.Impact)
}

// Words is the rating with its band against high: "15 (3×5) high".
func (r Rating) Words(high int64) string {
	if !r.Rated() {
		return r.String()
	}
	return r.String() + " " + r.Band(high)
}

// SortByResidual orders risks worst residual rating first, then by title:
// the order of a risk register.
func SortByResidual(risks []*binder.Record) {
	sort.SliceStable(risks, func(i, j int) bool {
		a, b := Residual(risks[i]).Score, Residual(risks[j]).Score
		if a != b {
			return a > b
		}
		return risks[i].Title < risks[j].Title
	})
}

// Rated reports whether both likelihood and impact are known.
func (r Rating) Rated() bool { return r.Score > 0 }

// Band words the rating against high, the score from which a risk is
// high: low below 5, medium below high, high from it, critical from 20
// (when that is at least high too).
func (r Rating) Band(high int64) string {
	switch {
	case !r.Rated():
		return ""
	case r.Score >= 20 && r.Score >= high:
		return Critical
	case r.Score >= high:
		return High
	case r.Score >= 5:
		return Medium
	}
	return Low
}

func rating(l, i int64, okL, okI bool) Rating {
	if !okL || !okI || l < 1 || l > 5 || i < 1 || i > 5 {
		// Not rated, or off the scale (a record another tool wrote,
		// which the readiness check reports as invalid).
		return Rating{}
	}
	return Rating{Likelihood: l, Impact: i, Score: l * i}
}

// Inherent is a risk's rating before its controls.
func Inherent(risk *binder.Record) Rating {
	l, okL := risk.Int("likelihood")
	i, okI := risk.Int("impact")
	return rating(l, i, okL, okI)
}

// Residual is a risk's rating with its controls in place. A residual
// likelihood or impact not given is the inherent one: controls are not
// credited until someone says what they change.
func Residual(risk *binder.Record) Rating {
	l, okL := risk.Int("residual_likelihood")
	if !okL {
		l, okL = risk.Int("likelihood")
	}
	i, okI := risk.Int("residual_impact")
	if !okI {
		i, okI = risk.Int("impact")
	}
	return rating(l, i, okL, okI)
}

// HighFrom is the score from which a risk is high in a binder whose
// settings record is settings (nil: the default).
func HighFrom(settings *binder.Record) int64 {
	if settings != nil {
		if n, ok := settings.Int("risk_high"); ok && n > 0 {
			return n
		}
	}
	return DefaultHigh
}
