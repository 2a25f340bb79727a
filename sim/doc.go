// Package sim holds zcsim's scenario language and, in later issues, the
// deterministic engine, workloads and runner.
//
// Scenario files are line-oriented text in the style of datadriven tests: a
// command line with key=value arguments, "----", then the expected output,
// blank lines between commands, '#' comments. Parse reads them, Render
// writes them back with fresh outputs, and RunOps runs an op-level script
// against the skb model, each command printing the reference changes it
// caused (the command set is documented in opcmds.go and the README).
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
