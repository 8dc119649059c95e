package gazetteer_test

import (
	"fmt"

	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
)

func ExampleNewPlace_Build() {
	for _, name := range []string{"长沙路", "十里堡镇", "碑林区"} {
		p, _ := gazetteer.NewPlace{Name: name, Category: gazetteer.Street, DivisionCode: "330602"}.Build(romanize.Standard())
		fmt.Println(p.Specific, p.Generic, p.Romanization.Text, p.Romanization.Sound)
	}
	// Output:
	// 长沙 路 Changsha Lu chang sha lu
	// 十里堡 镇 Shilipu Zhen shi li pu zhen
	// 碑林 区 Beilin Qu bei lin qu
}
