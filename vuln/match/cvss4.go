package match

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// CVSS v4.0 scoring, as FIRST's reference calculator computes it
// (https://github.com/FIRSTdotorg/cvss-v4-calculator, cvss_score.js with
// its tables cvss_lookup.js, max_composed.js and max_severity.js; the
// specification is https://www.first.org/cvss/v4.0/specification-document,
// section 8). The tables below were transcribed from the npm package
// @pandatix/js-cvss 0.4.4 (MIT, src/cvss40.ts: "mvs",
// "highestSeverityVectors", "depth"), which carries FIRST's data, and the
// implementation is checked against every one of the 104,976 CVSS-B vectors
// and 600 vectors with threat and environmental metrics scored by the npm
// package ae-cvss-calculator 1.0.13, an implementation of the same reference
// (testdata/cvss4/README.md).

// CVSS4Score is the scoring of a CVSS v4.0 vector.
type CVSS4Score struct {
	// Base is the CVSS-B score: the vector's base metrics alone, threat,
	// environmental and supplemental metrics ignored. It is the score
	// ScoreCVSS reports, as it reports the base score of v2 and v3.
	Base float64
	// Score is the score of the vector as written, threat and
	// environmental metrics included (what FIRST's calculator shows).
	Score float64
	// Nomenclature names what Score used: CVSS-B, CVSS-BT, CVSS-BE or
	// CVSS-BTE.
	Nomenclature string
}

// cvss4Metric is one metric of table 23 of the specification: its
// abbreviation and its values, "X" (not defined) first for the optional
// ones.
type cvss4Metric struct {
	key    string
	values []string
}

// cvss4Metrics lists the metrics in the specification's order; the first
// cvss4BaseCount are the mandatory base metrics.
var cvss4Metrics = []cvss4Metric{
	{"AV", []string{"N", "A", "L", "P"}},
	{"AC", []string{"L", "H"}},
	{"AT", []string{"N", "P"}},
	{"PR", []string{"N", "L", "H"}},
	{"UI", []string{"N", "P", "A"}},
	{"VC", []string{"H", "L", "N"}},
	{"VI", []string{"H", "L", "N"}},
	{"VA", []string{"H", "L", "N"}},
	{"SC", []string{"H", "L", "N"}},
	{"SI", []string{"H", "L", "N"}},
	{"SA", []string{"H", "L", "N"}},
	// Threat.
	{"E", []string{"X", "A", "P", "U"}},
	// Environmental.
	{"CR", []string{"X", "H", "M", "L"}},
	{"IR", []string{"X", "H", "M", "L"}},
	{"AR", []string{"X", "H", "M", "L"}},
	{"MAV", []string{"X", "N", "A", "L", "P"}},
	{"MAC", []string{"X", "L", "H"}},
	{"MAT", []string{"X", "N", "P"}},
	{"MPR", []string{"X", "N", "L", "H"}},
	{"MUI", []string{"X", "N", "P", "A"}},
	{"MVC", []string{"X", "H", "L", "N"}},
	{"MVI", []string{"X", "H", "L", "N"}},
	{"MVA", []string{"X", "H", "L", "N"}},
	{"MSC", []string{"X", "H", "L", "N"}},
	{"MSI", []string{"X", "S", "H", "L", "N"}},
	{"MSA", []string{"X", "S", "H", "L", "N"}},
	// Supplemental (no effect on the score).
	{"S", []string{"X", "N", "P"}},
	{"AU", []string{"X", "N", "Y"}},
	{"R", []string{"X", "A", "U", "I"}},
	{"V", []string{"X", "D", "C"}},
	{"RE", []string{"X", "L", "M", "H"}},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}},
}

const cvss4BaseCount = 11

// cvss4Vector maps metric abbreviations to values; every metric of
// cvss4Metrics is present, "X" for an optional one not given.
type cvss4Vector map[string]string

// parseCVSS4 reads a CVSS v4.0 vector (see ScoreCVSS4 for what it
// accepts).
func parseCVSS4(vector string) (cvss4Vector, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(vector), "CVSS:4.0/")
	if !ok {
		return nil, errors.New(`missing "CVSS:4.0/" prefix`)
	}
	given, err := metrics(strings.Split(rest, "/"))
	if err != nil {
		return nil, err
	}
	v := make(cvss4Vector, len(cvss4Metrics))
	for i, m := range cvss4Metrics {
		val, ok := given[m.key]
		if !ok {
			if i < cvss4BaseCount {
				return nil, fmt.Errorf("missing base metric %s", m.key)
			}
			val = "X"
		}
		if !slices.Contains(m.values, val) {
			return nil, fmt.Errorf("invalid value %s:%s", m.key, val)
		}
		v[m.key] = val
		delete(given, m.key)
	}
	if len(given) > 0 {
		unknown := make([]string, 0, len(given))
		for k := range given {
			unknown = append(unknown, k)
		}
		slices.Sort(unknown)
		return nil, fmt.Errorf("unknown metric %s", strings.Join(unknown, ", "))
	}
	return v, nil
}

// ScoreCVSS4 parses and scores a CVSS v4.0 vector. Every base metric must
// appear once; threat, environmental and supplemental metrics may; an
// unknown metric, a value outside the metric's list, a repeated metric or
// an empty part is an error. The order of the metrics is not checked: the
// specification lists one, but published records do not all follow it.
func ScoreCVSS4(vector string) (CVSS4Score, error) {
	v, err := parseCVSS4(vector)
	if err != nil {
		return CVSS4Score{}, fmt.Errorf("score CVSS vector %q: %w", vector, err)
	}
	b := make(cvss4Vector, len(v))
	for i, m := range cvss4Metrics {
		if i < cvss4BaseCount {
			b[m.key] = v[m.key]
		} else {
			b[m.key] = "X"
		}
	}
	return CVSS4Score{Base: b.score(), Score: v.score(), Nomenclature: v.nomenclature()}, nil
}

// nomenclature names the metric groups the vector defines.
func (v cvss4Vector) nomenclature() string {
	t := v["E"] != "X"
	e := false
	for _, k := range []string{"CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA"} {
		if v[k] != "X" {
			e = true
		}
	}
	switch {
	case t && e:
		return "CVSS-BTE"
	case t:
		return "CVSS-BT"
	case e:
		return "CVSS-BE"
	}
	return "CVSS-B"
}

// get returns the value a metric takes for scoring: a modified base metric
// replaces the base one when defined; E not defined counts as A (attacked),
// CR, IR and AR not defined as H.
func (v cvss4Vector) get(key string) string {
	if m, ok := v["M"+key]; ok && m != "X" {
		return m
	}
	val := v[key]
	if val == "X" {
		switch key {
		case "E":
			return "A"
		case "CR", "IR", "AR":
			return "H"
		}
	}
	return val
}

// macroVector returns the six equivalence-class levels (EQ1 to EQ6) of the
// vector (specification section 8.2).
func (v cvss4Vector) macroVector() [6]int {
	var eq [6]int
	av, pr, ui := v.get("AV"), v.get("PR"), v.get("UI")
	switch {
	case av == "N" && pr == "N" && ui == "N":
		eq[0] = 0
	case (av == "N" || pr == "N" || ui == "N") && av != "P":
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if !(v.get("AC") == "L" && v.get("AT") == "N") {
		eq[1] = 1
	}
	vc, vi, va := v.get("VC"), v.get("VI"), v.get("VA")
	switch {
	case vc == "H" && vi == "H":
		eq[2] = 0
	case vc == "H" || vi == "H" || va == "H":
		eq[2] = 1
	default:
		eq[2] = 2
	}
	sc, si, sa := v.get("SC"), v.get("SI"), v.get("SA")
	switch {
	case si == "S" || sa == "S":
		eq[3] = 0
	case sc == "H" || si == "H" || sa == "H":
		eq[3] = 1
	default:
		eq[3] = 2
	}
	switch v.get("E") {
	case "P":
		eq[4] = 1
	case "U":
		eq[4] = 2
	}
	if !(v.get("CR") == "H" && vc == "H" || v.get("IR") == "H" && vi == "H" || v.get("AR") == "H" && va == "H") {
		eq[5] = 1
	}
	return eq
}

func mvKey(eq [6]int) string {
	var b [6]byte
	for i, e := range eq {
		b[i] = byte('0' + e)
	}
	return string(b[:])
}

// lookup returns the score of a macro vector; ok is false for a level out
// of range or the impossible EQ3=2 with EQ6=0.
func lookup(eq [6]int) (float64, bool) {
	s, ok := cvss4Lookup[mvKey(eq)]
	return s, ok
}

// cvss4Levels orders each metric's values by severity, most severe 0, as
// the reference's AV_levels … AR_levels do (in steps of one instead of
// 0.1: only ratios of distances are used).
var cvss4Levels = map[string]map[string]int{
	"AV": {"N": 0, "A": 1, "L": 2, "P": 3},
	"PR": {"N": 0, "L": 1, "H": 2},
	"UI": {"N": 0, "P": 1, "A": 2},
	"AC": {"L": 0, "H": 1},
	"AT": {"N": 0, "P": 1},
	"VC": {"H": 0, "L": 1, "N": 2},
	"VI": {"H": 0, "L": 1, "N": 2},
	"VA": {"H": 0, "L": 1, "N": 2},
	"SC": {"H": 0, "L": 1, "N": 2},
	"SI": {"S": 0, "H": 1, "L": 2, "N": 3},
	"SA": {"S": 0, "H": 1, "L": 2, "N": 3},
	"CR": {"H": 0, "M": 1, "L": 2},
	"IR": {"H": 0, "M": 1, "L": 2},
	"AR": {"H": 0, "M": 1, "L": 2},
}

// score is FIRST's cvss_score: the macro vector's score, lowered by the
// mean, over the equivalence sets that have a next lower macro vector, of
// the score gap to that macro vector times the vector's severity distance
// from the macro vector's highest-severity vector relative to the macro
// vector's depth.
func (v cvss4Vector) score() float64 {
	none := true
	for _, k := range []string{"VC", "VI", "VA", "SC", "SI", "SA"} {
		if v.get(k) != "N" {
			none = false
		}
	}
	if none {
		return 0
	}
	eq := v.macroVector()
	value, ok := lookup(eq)
	if !ok {
		// Not reachable: every macro vector a valid vector yields is in
		// the table.
		return 0
	}
	next := func(i int) (float64, bool) {
		n := eq
		n[i]++
		return lookup(n)
	}
	lower := [5]struct {
		score float64
		ok    bool
	}{}
	lower[0].score, lower[0].ok = next(0)
	lower[1].score, lower[1].ok = next(1)
	switch e3, e6 := eq[2], eq[5]; {
	case e3 == 1 && e6 == 1, e3 == 0 && e6 == 1:
		lower[2].score, lower[2].ok = next(2)
	case e3 == 1 && e6 == 0:
		lower[2].score, lower[2].ok = next(5)
	case e3 == 0 && e6 == 0:
		left, lok := next(5)
		right, rok := next(2)
		if lok && rok {
			lower[2].score, lower[2].ok = math.Max(left, right), true
		}
	}
	lower[3].score, lower[3].ok = next(3)
	lower[4].score, lower[4].ok = next(4)

	// Severity distances, summed per equivalence set, from the first
	// highest-severity vector of the macro vector that the vector does not
	// exceed in any metric. EQ5 has one dimension: its distance is always
	// 0.
	var cur [5]int
	for _, m1 := range cvss4MaxComposed.eq1[eq[0]] {
		for _, m2 := range cvss4MaxComposed.eq2[eq[1]] {
			for _, m36 := range cvss4MaxComposed.eq3eq6[eq[2]][eq[5]] {
				for _, m4 := range cvss4MaxComposed.eq4[eq[3]] {
					var ok [4]bool
					cur[0], ok[0] = v.distance(m1)
					cur[1], ok[1] = v.distance(m2)
					cur[2], ok[2] = v.distance(m36)
					cur[3], ok[3] = v.distance(m4)
					if ok == [4]bool{true, true, true, true} {
						goto found
					}
				}
			}
		}
	}
	// The reference keeps the distances of the last candidate when none
	// fits; no valid vector gets here.
	return 0
found:
	depth := [5]int{
		cvss4MaxSeverity.eq1[eq[0]],
		cvss4MaxSeverity.eq2[eq[1]],
		cvss4MaxSeverity.eq3eq6[eq[2]][eq[5]],
		cvss4MaxSeverity.eq4[eq[3]],
		1,
	}
	var sum float64
	n := 0
	for i := range lower {
		if !lower[i].ok {
			continue
		}
		n++
		sum += (value - lower[i].score) * float64(cur[i]) / float64(depth[i])
	}
	if n > 0 {
		value -= sum / float64(n)
	}
	value = math.Min(math.Max(value, 0), 10)
	// Math.round((value + 1e-6) * 10) / 10, as the reference rounds.
	return math.Floor((value+1e-6)*10+0.5) / 10
}

// distance returns the sum of the severity distances of the vector to max
// (a "K:V/K:V" part of a highest-severity vector) over max's metrics; ok is
// false when the vector is more severe than max in some metric.
func (v cvss4Vector) distance(max string) (sum int, ok bool) {
	for rest := max; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, "/")
		k, mv, _ := strings.Cut(part, ":")
		levels := cvss4Levels[k]
		d := levels[v.get(k)] - levels[mv]
		if d < 0 {
			return 0, false
		}
		sum += d
	}
	return sum, true
}

// cvss4MaxComposed holds the highest-severity vectors of each level of
// each equivalence set (the reference's max_composed.js; specification
// tables 24 to 30). EQ3 and EQ6 are joint.
var cvss4MaxComposed = struct {
	eq1, eq2, eq4 [][]string
	eq3eq6        [][][]string
}{
	eq1: [][]string{
		{"AV:N/PR:N/UI:N"},
		{"AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"},
		{"AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"},
	},
	eq2: [][]string{
		{"AC:L/AT:N"},
		{"AC:H/AT:N", "AC:L/AT:P"},
	},
	eq3eq6: [][][]string{
		{
			{"VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"},
			{"VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"},
		},
		{
			{"VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"},
			{"VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"},
		},
		{
			nil, // EQ3=2 with EQ6=0 cannot happen.
			{"VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"},
		},
	},
	eq4: [][]string{
		{"SC:H/SI:S/SA:S"},
		{"SC:H/SI:H/SA:H"},
		{"SC:L/SI:L/SA:L"},
	},
}

// cvss4MaxSeverity is the depth of each level of each equivalence set, the
// largest severity distance inside it plus one (the reference's
// max_severity.js).
var cvss4MaxSeverity = struct {
	eq1, eq2, eq4 []int
	eq3eq6        [][]int
}{
	eq1:    []int{1, 4, 5},
	eq2:    []int{1, 2},
	eq3eq6: [][]int{{7, 6}, {8, 8}, {0, 10}},
	eq4:    []int{6, 5, 4},
}

// cvss4Lookup is the score of each of the 270 macro vectors, keyed by the
// levels of EQ1 to EQ6 (the reference's cvss_lookup.js).
var cvss4Lookup = map[string]float64{
	"000000": 10.0, "000001": 9.9, "000010": 9.8, "000011": 9.5, "000020": 9.5, "000021": 9.2,
	"000100": 10.0, "000101": 9.6, "000110": 9.3, "000111": 8.7, "000120": 9.1, "000121": 8.1,
	"000200": 9.3, "000201": 9.0, "000210": 8.9, "000211": 8.0, "000220": 8.1, "000221": 6.8,
	"001000": 9.8, "001001": 9.5, "001010": 9.5, "001011": 9.2, "001020": 9.0, "001021": 8.4,
	"001100": 9.3, "001101": 9.2, "001110": 8.9, "001111": 8.1, "001120": 8.1, "001121": 6.5,
	"001200": 8.8, "001201": 8.0, "001210": 7.8, "001211": 7.0, "001220": 6.9, "001221": 4.8,
	"002001": 9.2, "002011": 8.2, "002021": 7.2, "002101": 7.9, "002111": 6.9, "002121": 5.0,
	"002201": 6.9, "002211": 5.5, "002221": 2.7, "010000": 9.9, "010001": 9.7, "010010": 9.5,
	"010011": 9.2, "010020": 9.2, "010021": 8.5, "010100": 9.5, "010101": 9.1, "010110": 9.0,
	"010111": 8.3, "010120": 8.4, "010121": 7.1, "010200": 9.2, "010201": 8.1, "010210": 8.2,
	"010211": 7.1, "010220": 7.2, "010221": 5.3, "011000": 9.5, "011001": 9.3, "011010": 9.2,
	"011011": 8.5, "011020": 8.5, "011021": 7.3, "011100": 9.2, "011101": 8.2, "011110": 8.0,
	"011111": 7.2, "011120": 7.0, "011121": 5.9, "011200": 8.4, "011201": 7.0, "011210": 7.1,
	"011211": 5.2, "011220": 5.0, "011221": 3.0, "012001": 8.6, "012011": 7.5, "012021": 5.2,
	"012101": 7.1, "012111": 5.2, "012121": 2.9, "012201": 6.3, "012211": 2.9, "012221": 1.7,
	"100000": 9.8, "100001": 9.5, "100010": 9.4, "100011": 8.7, "100020": 9.1, "100021": 8.1,
	"100100": 9.4, "100101": 8.9, "100110": 8.6, "100111": 7.4, "100120": 7.7, "100121": 6.4,
	"100200": 8.7, "100201": 7.5, "100210": 7.4, "100211": 6.3, "100220": 6.3, "100221": 4.9,
	"101000": 9.4, "101001": 8.9, "101010": 8.8, "101011": 7.7, "101020": 7.6, "101021": 6.7,
	"101100": 8.6, "101101": 7.6, "101110": 7.4, "101111": 5.8, "101120": 5.9, "101121": 5.0,
	"101200": 7.2, "101201": 5.7, "101210": 5.7, "101211": 5.2, "101220": 5.2, "101221": 2.5,
	"102001": 8.3, "102011": 7.0, "102021": 5.4, "102101": 6.5, "102111": 5.8, "102121": 2.6,
	"102201": 5.3, "102211": 2.1, "102221": 1.3, "110000": 9.5, "110001": 9.0, "110010": 8.8,
	"110011": 7.6, "110020": 7.6, "110021": 7.0, "110100": 9.0, "110101": 7.7, "110110": 7.5,
	"110111": 6.2, "110120": 6.1, "110121": 5.3, "110200": 7.7, "110201": 6.6, "110210": 6.8,
	"110211": 5.9, "110220": 5.2, "110221": 3.0, "111000": 8.9, "111001": 7.8, "111010": 7.6,
	"111011": 6.7, "111020": 6.2, "111021": 5.8, "111100": 7.4, "111101": 5.9, "111110": 5.7,
	"111111": 5.7, "111120": 4.7, "111121": 2.3, "111200": 6.1, "111201": 5.2, "111210": 5.7,
	"111211": 2.9, "111220": 2.4, "111221": 1.6, "112001": 7.1, "112011": 5.9, "112021": 3.0,
	"112101": 5.8, "112111": 2.6, "112121": 1.5, "112201": 2.3, "112211": 1.3, "112221": 0.6,
	"200000": 9.3, "200001": 8.7, "200010": 8.6, "200011": 7.2, "200020": 7.5, "200021": 5.8,
	"200100": 8.6, "200101": 7.4, "200110": 7.4, "200111": 6.1, "200120": 5.6, "200121": 3.4,
	"200200": 7.0, "200201": 5.4, "200210": 5.2, "200211": 4.0, "200220": 4.0, "200221": 2.2,
	"201000": 8.5, "201001": 7.5, "201010": 7.4, "201011": 5.5, "201020": 6.2, "201021": 5.1,
	"201100": 7.2, "201101": 5.7, "201110": 5.5, "201111": 4.1, "201120": 4.6, "201121": 1.9,
	"201200": 5.3, "201201": 3.6, "201210": 3.4, "201211": 1.9, "201220": 1.9, "201221": 0.8,
	"202001": 6.4, "202011": 5.1, "202021": 2.0, "202101": 4.7, "202111": 2.1, "202121": 1.1,
	"202201": 2.4, "202211": 0.9, "202221": 0.4, "210000": 8.8, "210001": 7.5, "210010": 7.3,
	"210011": 5.3, "210020": 6.0, "210021": 5.0, "210100": 7.3, "210101": 5.5, "210110": 5.9,
	"210111": 4.0, "210120": 4.1, "210121": 2.0, "210200": 5.4, "210201": 4.3, "210210": 4.5,
	"210211": 2.2, "210220": 2.0, "210221": 1.1, "211000": 7.5, "211001": 5.5, "211010": 5.8,
	"211011": 4.5, "211020": 4.0, "211021": 2.1, "211100": 6.1, "211101": 5.1, "211110": 4.8,
	"211111": 1.8, "211120": 2.0, "211121": 0.9, "211200": 4.6, "211201": 1.8, "211210": 1.7,
	"211211": 0.7, "211220": 0.8, "211221": 0.2, "212001": 5.3, "212011": 2.4, "212021": 1.4,
	"212101": 2.4, "212111": 1.2, "212121": 0.5, "212201": 1.0, "212211": 0.3, "212221": 0.1,
}
