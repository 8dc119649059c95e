package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/gazetteer"
)

// TestConflictCurrentShape checks that a version conflict carries the
// current record in the API's snake_case shape, whatever domain it is from.
func TestConflictCurrentShape(t *testing.T) {
	tests := []struct {
		name    string
		current any
		want    string
	}{
		{"place", gazetteer.Place{ID: 7, Name: "若耶县", Version: 3}, `"version":3`},
		{"division", boundaries.Division{Code: "330699", Name: "若耶县", Version: 2}, `"code":"330699"`},
		{"user", diming.UserRecord{User: diming.User{Username: "a"}, Version: 4}, `"version":4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := errorResponse(&diming.Error{Kind: diming.Conflict, Msg: "stale", Current: tt.current})
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.want) || strings.Contains(string(b), `"Version"`) {
				t.Errorf("conflict body = %s, want the current record in API shape with %s", b, tt.want)
			}
		})
	}
}
