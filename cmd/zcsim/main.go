// Command zcsim runs the zcsim simulator. See the README for its commands.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
