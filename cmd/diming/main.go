// Command diming runs the gazetteer: the web server, the private database
// cluster, migrations, accounts and the importers.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "diming:", err)
		os.Exit(1)
	}
}
