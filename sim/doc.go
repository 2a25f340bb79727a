// Package sim holds everything that drives the model: the scenario
// language, the property checker and explore, the deterministic engine, the
// network path, TCP connections, workloads and the runner that compares
// designs.
//
// Scenario files are line-oriented text in the style of datadriven tests: a
// command line with key=value arguments, "----", then the expected output,
// blank lines between commands, '#' comments. Parse reads them, Render
// writes them back with fresh outputs, and RunOps runs them: op-level
// scripts (starting with kernel) drive the skb model one operation at a
// time, each command printing the reference changes it caused (opcmds.go);
// TCP scenarios (starting with connection) run workloads over connections
// or step through one by hand (tcpscript.go, tcpsteps.go).
//
// Run runs a Scenario under every selected design and kernel on the
// identical network schedule and returns one Result each; Explore searches
// seeded random scripts for a design's counterexample.
//
// Errors in a script are reported as "file:line: what is wrong" and stop the
// run; refusals by the model (a merge of zerocopy skbs, an operation the
// kernel flavour lacks, MAX_SKB_FRAGS) are results and are printed.
//
// Usage:
//
//	out, _, err := sim.RunOps("lifecycle.txt", src)
//	if err != nil { … }   // file:line: reason
//	fmt.Print(out)        // the script with fresh outputs
package sim
