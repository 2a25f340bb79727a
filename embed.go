// Package zcsim holds the built-in scenarios that the zcsim command runs
// when given no file. They live under testdata/ so that the golden tests
// cover them like every other script.
package zcsim

import _ "embed"

// DefaultOpScript is the op-level script `zcsim run` runs with no argument:
// the worked TCP lifecycle of kernel-semantics §A4 (alloc, header release,
// transmit clone, TX completion and ACK in both orders).
//
//go:embed testdata/ops/lifecycle.txt
var DefaultOpScript string

// DefaultOpScriptName is the name errors and output use for DefaultOpScript.
const DefaultOpScriptName = "testdata/ops/lifecycle.txt"
