package gazetteer_test

import (
	"fmt"

	"github.com/diming/diming/gazetteer"
)

func ExampleRomanize() {
	for _, name := range []string{"绍兴市", "西安市", "解放东路", "长沙市"} {
		spec, gen := gazetteer.SplitName(name)
		ro, _ := gazetteer.Romanize(spec, gen, nil, false)
		fmt.Println(name, ro.Text, ro.Initials)
	}
	// A polyphone read as the place says: 长 as zhǎng in 长岭村.
	ro, _ := gazetteer.Romanize("长岭", "村", gazetteer.Readings{0: "zhang3"}, false)
	fmt.Println("长岭村", ro.Text, ro.Toned)
	// Output:
	// 绍兴市 Shaoxing Shi sxs
	// 西安市 Xi'an Shi xas
	// 解放东路 Jiefang Donglu jfdl
	// 长沙市 Changsha Shi css
	// 长岭村 Zhangling Cun Zhǎnglǐng Cūn
}

func ExampleStrictest() {
	rules := []gazetteer.ScopeRule{
		{Category: gazetteer.Street, Scope: gazetteer.ScopeBuiltup, Source: "地名管理条例", Active: true},
		{Category: gazetteer.Street, Scope: gazetteer.ScopeCity, Source: "宁波市地名管理条例", Active: true},
	}
	scope, source := gazetteer.Strictest(rules, gazetteer.Street, "")
	fmt.Println(scope, source, gazetteer.ScopePrefixes(scope, "330212001", nil))
	// Output: city 宁波市地名管理条例 [3302]
}
