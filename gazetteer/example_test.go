package gazetteer_test

import (
	"fmt"

	"github.com/diming/diming/gazetteer"
)

func ExampleStrictest() {
	rules := []gazetteer.ScopeRule{
		{Category: gazetteer.Street, Scope: gazetteer.ScopeBuiltup, Source: "地名管理条例", Active: true},
		{Category: gazetteer.Street, Scope: gazetteer.ScopeCity, Source: "宁波市地名管理条例", Active: true},
	}
	scope, source := gazetteer.Strictest(rules, gazetteer.Street, "")
	fmt.Println(scope, source, gazetteer.ScopePrefixes(scope, "330212001", nil))
	// Output: city 宁波市地名管理条例 [3302]
}
