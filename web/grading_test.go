package web

import (
	"reflect"
	"slices"
	"testing"

	"github.com/diming/diming/ogc"
	"github.com/diming/diming/sharing"
)

// TestAnswerTypesRegistered checks every field of every answer type
// against the registry: each has its own entry, except fields that only
// hold other records (graded as those records).
func TestAnswerTypesRegistered(t *testing.T) {
	var missing []string
	for typ, entity := range answerTypes() {
		if entity == document {
			continue
		}
		for name, idx := range jsonFields(typ) {
			f := typ.FieldByIndex(idx)
			if _, ok := sharing.Registered(entity, name); ok {
				continue
			}
			if !scalar(f.Type) && holdsRecords(f.Type) && !isInterface(f.Type) {
				continue
			}
			missing = append(missing, entity+"."+name)
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("%s is in an answer but not in the registry (sharing/registry.go)", m)
	}
}

// TestOGCPropertiesRegistered checks every OGC API property against the
// registry, under its collection's entity.
func TestOGCPropertiesRegistered(t *testing.T) {
	for _, col := range ogc.Registry() {
		for _, p := range col.Props {
			if _, ok := sharing.Registered(col.Entity, p.Name); !ok {
				t.Errorf("OGC collection %s property %s is not in the registry as %s.%s", col.ID, p.Name, col.Entity, p.Name)
			}
		}
	}
}

func isInterface(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t.Kind() == reflect.Interface
}
