package boundaries_test

import (
	"os"
	"testing"
)

func TestImportNational(t *testing.T) {
	n := mustNational(t)
	for _, r := range []interface {
		WriteTo(w interface{ Write([]byte) (int, error) })
	}{} {
		_ = r
	}
	n.nbs.WriteTo(os.Stdout)
	n.mca.WriteTo(os.Stdout)
	n.polys.WriteTo(os.Stdout)
}
