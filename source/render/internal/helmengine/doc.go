// Package helmengine is Helm's template engine (helm.sh/helm/v3 v3.22.0,
// pkg/engine, Apache License 2.0, Copyright The Helm Authors) adapted so that
// a render is bounded. Helm's engine has no way to stop a template: a range
// over a huge integer, or text written in such a loop, runs until memory is
// gone. The changes from Helm's code:
//
//   - Render takes a context and Limits. Every byte a template writes, at
//     the top level or inside include and tpl, goes through a writer that
//     charges a shared byte budget and checks the context, so a runaway loop
//     that writes anything stops with an error at the next write.
//   - until, untilStep, seq, repeat, indent, nindent and the rand*
//     functions refuse counts or results beyond the limits (bounds.go); below
//     them they are Sprig's own functions.
//   - include and tpl nesting is capped across all names as well as per name.
//   - There is no cluster client: lookup always returns an empty map, as in
//     `helm template`, and getHostByName always returns "". Lint mode, which
//     logs, is gone.
//
// files.go and funcs.go are Helm's files unchanged. Tests in the parent
// package render their charts with Helm's own engine too and require the
// same output.
package helmengine
