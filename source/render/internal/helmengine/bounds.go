package helmengine

import (
	"fmt"
	"math"
	"strings"
	"text/template"
)

// boundCounts replaces the Sprig functions whose count argument decides how
// much memory they allocate (until 1000000000 is an 8 GB slice) with versions
// that refuse counts above max and results larger than the byte budget left.
// Below those bounds they call Sprig's own function, so output is unchanged.
func boundCounts(f template.FuncMap, max int, b *budget) {
	tooMany := func(name string, n float64) error {
		if n > float64(max) {
			return fmt.Errorf("%s: count %.0f exceeds the limit of %d", name, n, max)
		}
		return nil
	}
	tooBig := func(name string, n float64) error {
		if n > float64(b.left) {
			return fmt.Errorf("%s: result of %.0f bytes: %w", name, n, ErrOutputLimit)
		}
		return nil
	}
	steps := func(start, stop, step int) float64 {
		if step == 0 {
			return 0
		}
		return math.Abs(float64(stop)-float64(start)) / math.Abs(float64(step))
	}

	if orig, ok := f["until"].(func(int) []int); ok {
		f["until"] = func(count int) ([]int, error) {
			if err := tooMany("until", math.Abs(float64(count))); err != nil {
				return nil, err
			}
			return orig(count), nil
		}
	}
	if orig, ok := f["untilStep"].(func(int, int, int) []int); ok {
		f["untilStep"] = func(start, stop, step int) ([]int, error) {
			if err := tooMany("untilStep", steps(start, stop, step)); err != nil {
				return nil, err
			}
			return orig(start, stop, step), nil
		}
	}
	if orig, ok := f["seq"].(func(...int) string); ok {
		f["seq"] = func(params ...int) (string, error) {
			var n float64
			switch len(params) {
			case 1:
				n = steps(1, params[0], 1)
			case 2:
				n = steps(params[0], params[1], 1)
			case 3:
				n = steps(params[0], params[2], params[1])
			}
			if err := tooMany("seq", n); err != nil {
				return "", err
			}
			return orig(params...), nil
		}
	}
	if orig, ok := f["repeat"].(func(int, string) string); ok {
		f["repeat"] = func(count int, str string) (string, error) {
			if err := tooBig("repeat", float64(count)*float64(len(str))); err != nil {
				return "", err
			}
			return orig(count, str), nil
		}
	}
	for _, name := range []string{"indent", "nindent"} {
		if orig, ok := f[name].(func(int, string) string); ok {
			f[name] = func(spaces int, v string) (string, error) {
				lines := float64(strings.Count(v, "\n") + 1)
				if err := tooBig(name, float64(spaces)*lines+float64(len(v))); err != nil {
					return "", err
				}
				return orig(spaces, v), nil
			}
		}
	}
	for _, name := range []string{"randAlphaNum", "randAlpha", "randAscii", "randNumeric"} {
		if orig, ok := f[name].(func(int) string); ok {
			f[name] = func(count int) (string, error) {
				if err := tooMany(name, float64(count)); err != nil {
					return "", err
				}
				return orig(count), nil
			}
		}
	}
	if orig, ok := f["randBytes"].(func(int) (string, error)); ok {
		f["randBytes"] = func(count int) (string, error) {
			if err := tooMany("randBytes", float64(count)); err != nil {
				return "", err
			}
			return orig(count)
		}
	}
}
