package render

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"
)

// ValueSet is one set of values to render a chart with, as `helm template`
// takes them: values files first, in order, then --set, then --set-string.
type ValueSet struct {
	// Name names the set in Rendered.ValuesSet and errors. Empty means
	// "default" when the set has no files, else the first file's base name.
	Name string
	// Files are values files (--values), read as given: the caller decides
	// where they may come from. Each is capped at Limits.MaxInputBytes.
	Files []string
	// Set are --set strings ("a.b=c,d[0]=e").
	Set []string
	// SetString are --set-string strings.
	SetString []string
}

func (v ValueSet) name() string {
	switch {
	case v.Name != "":
		return v.Name
	case len(v.Files) > 0:
		return filepath.Base(v.Files[0])
	}
	return "default"
}

// values merges the set's values the way Helm's values.Options.MergeValues
// does for --values, --set and --set-string.
func (v ValueSet) values(maxBytes int64) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range v.Files {
		data, err := readFileLimited(f, maxBytes)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", f, err)
		}
		current := map[string]any{}
		if err := yaml.Unmarshal(data, &current); err != nil {
			return nil, fmt.Errorf("values file %s: %w", f, err)
		}
		base = mergeMaps(base, current)
	}
	for _, s := range v.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("--set %q: %w", s, err)
		}
	}
	for _, s := range v.SetString {
		if err := strvals.ParseIntoString(s, base); err != nil {
			return nil, fmt.Errorf("--set-string %q: %w", s, err)
		}
	}
	return base, nil
}

// mergeMaps is Helm's (pkg/cli/values): b wins, maps merge recursively.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]any); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]any); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

// validateSchemas checks values against values.schema.json of the chart and
// of each subchart given values, like chartutil.ValidateAgainstSchema, but
// never loads a referenced schema: Helm's fetches http(s) and file
// references, which a scanner must not do.
func validateSchemas(c *chart.Chart, values map[string]any) error {
	var sb strings.Builder
	if c.Schema != nil {
		if err := validateSchema(values, c.Schema); err != nil {
			fmt.Fprintf(&sb, "%s:\n%s\n", c.Name(), strings.TrimSpace(err.Error()))
		}
	}
	for _, sub := range c.Dependencies() {
		raw, ok := values[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		sv, ok := raw.(map[string]any)
		if !ok {
			fmt.Fprintf(&sb, "%s:\ninvalid type for values: expected object (map), got %T\n", sub.Name(), raw)
			continue
		}
		if err := validateSchemas(sub, sv); err != nil {
			sb.WriteString(err.Error())
		}
	}
	if sb.Len() > 0 {
		return errors.New(sb.String())
	}
	return nil
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema reference %s not loaded: referenced schemas are never fetched", url)
}

func validateSchema(values map[string]any, schemaJSON []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unable to validate schema: %v", r)
		}
	}()
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("values.schema.json: %w", err)
	}
	compiler := jsonschema.NewCompiler()
	compiler.UseLoader(noLoader{})
	if err := compiler.AddResource("file:///values.schema.json", schema); err != nil {
		return err
	}
	validator, err := compiler.Compile("file:///values.schema.json")
	if err != nil {
		return err
	}
	// The validator wants JSON-like values; Helm's values are already that
	// (sigs.k8s.io/yaml decodes through JSON).
	if err := validator.Validate(chartutil.Values(values).AsMap()); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "jsonschema validation failed with 'file:///values.schema.json#'\n"))
	}
	return nil
}
