package match

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// CVSS versions as ScoreCVSS reports them.
const (
	CVSS2  = "2.0"
	CVSS30 = "3.0"
	CVSS31 = "3.1"
	CVSS40 = "4.0"
)

// ErrCVSSUnsupported is returned by ScoreCVSS for a vector of a CVSS
// version it does not know.
var ErrCVSSUnsupported = errors.New("unsupported CVSS version")

// CVSSVersion returns the CVSS version of a vector: "3.1" and "3.0" and
// "4.0" from their "CVSS:x.y/" prefix, "2.0" for an unprefixed vector (CVSS
// v2 has no prefix; a surrounding pair of parentheses is allowed), "" when
// the prefix names another version.
func CVSSVersion(vector string) string {
	v := strings.TrimSpace(vector)
	if rest, ok := strings.CutPrefix(v, "CVSS:"); ok {
		ver, _, _ := strings.Cut(rest, "/")
		switch ver {
		case CVSS30, CVSS31, CVSS40:
			return ver
		case "2.0", "2":
			return CVSS2
		}
		return ""
	}
	return CVSS2
}

// ScoreCVSS computes the base score of a CVSS v2, v3.0, v3.1 or v4.0
// vector with the formulas of the FIRST specifications (v3.1 section 7.1
// and appendix A for Roundup; v3.0 rounds up with a plain ceiling to one
// decimal; v2 section 3.2.1; v4.0 section 8 and FIRST's reference
// calculator, see ScoreCVSS4). Temporal (v3), threat (v4) and
// environmental metrics in the vector are accepted and ignored; every base
// metric must appear exactly once.
func ScoreCVSS(vector string) (score float64, version string, err error) {
	version = CVSSVersion(vector)
	switch version {
	case CVSS30, CVSS31:
		score, err = scoreV3(vector, version)
	case CVSS2:
		score, err = scoreV2(vector)
	case CVSS40:
		s, err := ScoreCVSS4(vector)
		if err != nil {
			return 0, version, err
		}
		return s.Base, version, nil
	default:
		return 0, "", fmt.Errorf("score CVSS vector %q: %w", vector, ErrCVSSUnsupported)
	}
	if err != nil {
		return 0, version, fmt.Errorf("score CVSS vector %q: %w", vector, err)
	}
	return score, version, nil
}

// metrics splits "K:V/K:V" into a map, rejecting empty parts and duplicate
// keys.
func metrics(parts []string) (map[string]string, error) {
	m := make(map[string]string, len(parts))
	for _, p := range parts {
		k, v, ok := strings.Cut(p, ":")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("malformed metric %q", p)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("metric %s given twice", k)
		}
		m[k] = v
	}
	return m, nil
}

// weight looks up the value of base metric key in table.
func weight(m map[string]string, key string, table map[string]float64) (float64, error) {
	v, ok := m[key]
	if !ok {
		return 0, fmt.Errorf("missing base metric %s", key)
	}
	w, ok := table[v]
	if !ok {
		return 0, fmt.Errorf("invalid value %s:%s", key, v)
	}
	return w, nil
}

// CVSS v3 weights (specification v3.1 section 7.4; identical in v3.0).
var (
	v3AV  = map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
	v3AC  = map[string]float64{"L": 0.77, "H": 0.44}
	v3PRU = map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	v3PRC = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	v3UI  = map[string]float64{"N": 0.85, "R": 0.62}
	v3CIA = map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	v3S   = map[string]float64{"U": 0, "C": 1}
)

func scoreV3(vector, version string) (float64, error) {
	parts := strings.Split(strings.TrimSpace(vector), "/")
	m, err := metrics(parts[1:])
	if err != nil {
		return 0, err
	}
	scope, err := weight(m, "S", v3S)
	if err != nil {
		return 0, err
	}
	changed := scope == 1
	prTable := v3PRU
	if changed {
		prTable = v3PRC
	}
	var w [7]float64
	for i, kt := range []struct {
		k string
		t map[string]float64
	}{{"AV", v3AV}, {"AC", v3AC}, {"PR", prTable}, {"UI", v3UI}, {"C", v3CIA}, {"I", v3CIA}, {"A", v3CIA}} {
		if w[i], err = weight(m, kt.k, kt.t); err != nil {
			return 0, err
		}
	}
	iss := 1 - (1-w[4])*(1-w[5])*(1-w[6])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0, nil
	}
	expl := 8.22 * w[0] * w[1] * w[2] * w[3]
	roundup := roundup31
	if version == CVSS30 {
		roundup = roundup30
	}
	if changed {
		return roundup(math.Min(1.08*(impact+expl), 10)), nil
	}
	return roundup(math.Min(impact+expl, 10)), nil
}

// roundup31 is the Roundup function of CVSS v3.1 appendix A: the smallest
// number with one decimal that is not below x, computed on integers to
// avoid floating-point artefacts (4.000000000001 → 4.0, not 4.1).
func roundup31(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000
	}
	return float64(n/10000+1) / 10
}

// roundup30 is the Roundup of CVSS v3.0: a ceiling to one decimal.
func roundup30(x float64) float64 {
	return math.Ceil(x*10) / 10
}

// CVSS v2 weights (specification v2 section 3.2.1).
var (
	v2AV  = map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}
	v2AC  = map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}
	v2Au  = map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}
	v2CIA = map[string]float64{"N": 0, "P": 0.275, "C": 0.660}
)

func scoreV2(vector string) (float64, error) {
	v := strings.TrimSpace(vector)
	v = strings.TrimPrefix(v, "CVSS:2.0/")
	v = strings.TrimSuffix(strings.TrimPrefix(v, "("), ")")
	m, err := metrics(strings.Split(v, "/"))
	if err != nil {
		return 0, err
	}
	var w [6]float64
	for i, kt := range []struct {
		k string
		t map[string]float64
	}{{"AV", v2AV}, {"AC", v2AC}, {"Au", v2Au}, {"C", v2CIA}, {"I", v2CIA}, {"A", v2CIA}} {
		if w[i], err = weight(m, kt.k, kt.t); err != nil {
			return 0, err
		}
	}
	impact := 10.41 * (1 - (1-w[3])*(1-w[4])*(1-w[5]))
	expl := 20 * w[0] * w[1] * w[2]
	f := 1.176
	if impact == 0 {
		f = 0
	}
	base := (0.6*impact + 0.4*expl - 1.5) * f
	// Round to one decimal, half away from zero; the small offset absorbs
	// binary representation error (x.x5 stored as x.x4999…).
	return math.Round(base*10+1e-9) / 10, nil
}
