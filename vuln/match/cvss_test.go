package match

import (
	"errors"
	"testing"
)

func TestScoreCVSS(t *testing.T) {
	tests := []struct {
		vector  string
		score   float64
		version string
		level   Level
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, CVSS31, LevelCritical},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, CVSS31, LevelMedium},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, CVSS31, LevelCritical},
		{"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.0, CVSS31, LevelHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3, CVSS31, LevelMedium},
		{"CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:H/I:N/A:N", 4.4, CVSS31, LevelMedium},
		{"CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:C/C:H/I:L/A:N", 6.1, CVSS31, LevelMedium},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, CVSS31, LevelHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, CVSS31, LevelHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, CVSS31, LevelNone},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, CVSS31, LevelLow},
		{"CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:C/C:L/I:L/A:L", 5.5, CVSS31, LevelMedium},
		{"CVSS:3.1/AV:A/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N", 6.8, CVSS31, LevelMedium},
		// Temporal metrics are ignored for the base score.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R", 9.8, CVSS31, LevelCritical},
		{"CVSS:3.0/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, CVSS30, LevelMedium},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, CVSS30, LevelMedium},
		{"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, CVSS30, LevelHigh},
		// CVSS v2 (NVD examples).
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, CVSS2, LevelHigh},
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0, CVSS2, LevelCritical},
		{"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, CVSS2, LevelMedium},
		{"AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2, CVSS2, LevelHigh},
		{"AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0, CVSS2, LevelMedium},
		{"AV:L/AC:L/Au:N/C:P/I:N/A:N", 2.1, CVSS2, LevelLow},
		{"(AV:N/AC:M/Au:S/C:P/I:P/A:P)", 6.0, CVSS2, LevelMedium},
		{"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0, CVSS2, LevelNone},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			got, ver, err := ScoreCVSS(tt.vector)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.score || ver != tt.version {
				t.Errorf("ScoreCVSS = %v (%s), want %v (%s)", got, ver, tt.score, tt.version)
			}
			if l := Band(got); l != tt.level {
				t.Errorf("Band(%v) = %s, want %s", got, l, tt.level)
			}
		})
	}
}

func TestScoreCVSSErrors(t *testing.T) {
	for _, v := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          // missing A
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      // bad value
		"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", // duplicate
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A",        // malformed
		"CVSS:3.1/",
		"AV:N/AC:L/Au:N/C:P/I:P",
		"",
		"CVSS:9.9/AV:N",
	} {
		if s, _, err := ScoreCVSS(v); err == nil {
			t.Errorf("ScoreCVSS(%q) = %v, want an error", v, s)
		}
	}
	// v4 scores now (cvss4_test.go); an unknown version still does not.
	_, ver, err := ScoreCVSS("CVSS:5.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N")
	if !errors.Is(err, ErrCVSSUnsupported) || ver != "" {
		t.Errorf("v5: version %q err %v, want none and ErrCVSSUnsupported", ver, err)
	}
}

func TestRoundup31(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{4.0, 4.0}, {4.000000000001, 4.0}, {4.02, 4.1}, {4.1, 4.1}, {0.0, 0.0}, {9.99, 10.0},
	} {
		if got := roundup31(tt.in); got != tt.want {
			t.Errorf("roundup31(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
