package romanize_test

import (
	"fmt"

	"github.com/diming/diming/romanize"
)

func ExampleRomanizer_Name() {
	z := romanize.Standard()
	for _, name := range []string{"绍兴市", "西安市", "解放东路", "长沙市", "十里堡镇", "湘西土家族苗族自治州", "蔚县"} {
		spec, gen := romanize.Split(name, "")
		ro, _ := z.Name(romanize.Name{Specific: spec, Generic: gen})
		fmt.Println(name, ro.Text, ro.Initials)
	}
	// A polyphone read as the place says: 长 as zhǎng in 长岭村.
	ro, _ := z.Name(romanize.Name{Specific: "长岭", Generic: "村", Readings: romanize.Readings{0: "zhang3"}})
	fmt.Println("长岭村", ro.Text, ro.Toned)
	// Output:
	// 绍兴市 Shaoxing Shi sxs
	// 西安市 Xi'an Shi xas
	// 解放东路 Jiefang Donglu jfdl
	// 长沙市 Changsha Shi css
	// 十里堡镇 Shilipu Zhen slpz
	// 湘西土家族苗族自治州 Xiangxi Tujiazu Miaozu Zizhizhou xxtjzmzzzz
	// 蔚县 Yu Xian yx
	// 长岭村 Zhangling Cun Zhǎnglǐng Cūn
}

func ExampleRomanizer_Address() {
	z := romanize.Standard()
	fmt.Println(z.Address([]string{"长沙路", "12号", "3幢"}))
	// Output: Changsha Lu 12 Hao 3 Zhuang
}
