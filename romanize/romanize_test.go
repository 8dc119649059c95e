package romanize

import "testing"

func TestName(t *testing.T) {
	tests := []struct {
		name, kind string
		readings   Readings
		joined     bool
		text       string
	}{
		{name: "绍兴市", text: "Shaoxing Shi"},
		{name: "西安市", text: "Xi'an Shi"},
		{name: "太行山", text: "Taihang Shan"},
		{name: "长沙市", text: "Changsha Shi"},
		{name: "重庆市", text: "Chongqing Shi"},
		{name: "厦门市", text: "Xiamen Shi"},
		{name: "成都市", text: "Chengdu Shi"},
		{name: "长子县", text: "Zhangzi Xian"},
		{name: "乐清市", text: "Yueqing Shi"},
		{name: "嵊州市", text: "Shengzhou Shi"},
		{name: "西藏自治区", text: "Xizang Zizhiqu"},
		{name: "佛山市", text: "Foshan Shi"},
		{name: "闵行区", text: "Minhang Qu"},
		{name: "喀什地区", text: "Kashi Diqu"},
		{name: "库尔勒市", text: "Ku'erle Shi"},
		{name: "黄陂区", text: "Huangpi Qu"},
		{name: "珲春市", text: "Hunchun Shi"},
		{name: "涡阳县", text: "Guoyang Xian"},
		{name: "单县", text: "Shan Xian"},
		{name: "浚县", text: "Xun Xian"},
		{name: "蔚县", text: "Yu Xian"},
		{name: "东阿县", text: "Dong'e Xian"},
		{name: "大埔县", text: "Dabu Xian"},
		{name: "牟平区", text: "Muping Qu"},
		{name: "十里堡镇", text: "Shilipu Zhen"},
		{name: "五里铺街道", text: "Wulipu Jiedao"},
		{name: "重阳村", text: "Chongyang Cun"},
		{name: "畜牧场", text: "Xumuchang"},
		{name: "马圈村", text: "Majuan Cun"},
		{name: "碑林区", text: "Beilin Qu"},
		{name: "北林区", text: "Beilin Qu"},
		{name: "万柏林区", text: "Wanbailin Qu"},
		{name: "神农架林区", text: "Shennongjia Linqu"},
		{name: "湘西土家族苗族自治州", text: "Xiangxi Tujiazu Miaozu Zizhizhou"},
		{name: "宁夏回族自治区", text: "Ningxia Huizu Zizhiqu"},
		{name: "积石山保安族东乡族撒拉族自治县", text: "Jishishan Bao'anzu Dongxiangzu Salazu Zizhixian"},
		{name: "龙胜各族自治县", text: "Longsheng Gezu Zizhixian"},
		{name: "景宁畲族自治县", text: "Jingning Shezu Zizhixian"},
		{name: "黄洞瑶族乡", text: "Huangdong Yaozu Xiang"},
		{name: "伊犁哈萨克自治州", text: "Yili Hasake Zizhizhou"},
		{name: "巴音郭楞蒙古自治州", text: "Bayinguoleng Menggu Zizhizhou"},
		{name: "塔什库尔干塔吉克自治县", text: "Tashiku'ergan Tajike Zizhixian"},
		{name: "海西蒙古族藏族自治州", text: "Haixi Mengguzu Zangzu Zizhizhou"},
		{name: "白水村", text: "Baishui Cun"},
		{name: "水族馆", text: "Shuizuguan"},
		{name: "解放东路", text: "Jiefang Donglu"},
		{name: "周家庄", joined: true, text: "Zhoujiazhuang"},
		{name: "天峨县", text: "Tian'e Xian"},
		{name: "绿水村", text: "Lüshui Cun"},
		{name: "长岭村", readings: Readings{0: "zhǎng"}, text: "Zhangling Cun"},
		{name: "重阳村", readings: Readings{0: "zhong4"}, text: "Zhongyang Cun"},
		{name: "3号桥", text: "Sanhao Qiao"},
		{name: "台州市", text: "Taizhou Shi"},
		{name: "济南市", text: "Jinan Shi"},
	}
	z := Standard()
	for _, tt := range tests {
		t.Run(tt.name+tt.text, func(t *testing.T) {
			spec, gen := Split(tt.name, tt.kind)
			ro, err := z.Name(Name{Specific: spec, Generic: gen, Readings: tt.readings, Joined: tt.joined})
			if err != nil {
				t.Fatalf("Name(%s) error %v", tt.name, err)
			}
			if ro.Text != tt.text {
				t.Errorf("Name(%s).Text = %q, want %q (toned %q)", tt.name, ro.Text, tt.text, ro.Toned)
			}
		})
	}
}

func TestSameSoundDiffers(t *testing.T) {
	z := Standard()
	a, _ := z.Name(Name{Specific: "碑林", Generic: "区"})
	b, _ := z.Name(Name{Specific: "北林", Generic: "区"})
	if a.Text != b.Text || a.Sound != b.Sound {
		t.Errorf("碑林区 %q / 北林区 %q: same sound and spelling expected", a.Text, b.Text)
	}
	if a.Text == "Bei Linqu" {
		t.Errorf("碑林区 = %q, 林区 is not its generic", a.Text)
	}
	c, _ := z.Name(Name{Specific: "神农架", Generic: "林区"})
	if c.Text != "Shennongjia Linqu" {
		t.Errorf("神农架林区 = %q", c.Text)
	}
}

func TestComponent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"胜利街", "Shengli Jie"}, {"3号", "3 Hao"}, {"锦园小区", "Jinyuan Xiaoqu"}, {"西安路", "Xi'an Lu"},
		{"城关街道", "Chengguan Jiedao"}, {"长沙路", "Changsha Lu"}, {"厦门街", "Xiamen Jie"}, {"成都路", "Chengdu Lu"},
		{"重庆路", "Chongqing Lu"}, {"12幢", "12 Zhuang"}, {"金都大厦", "Jindu Dasha"}, {"华山弄", "Huashan Long"}, {"解放东路", "Jiefang Donglu"},
	}
	z := Standard()
	for _, tt := range tests {
		if got := z.Component(tt.in); got != tt.want {
			t.Errorf("Component(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadingErrors(t *testing.T) {
	tests := []Reading{
		{Word: "黄陂", Pinyin: "huang", Source: "x"},
		{Word: "黄陂", Pinyin: "huang2 p@", Source: "x"},
		{Word: "黄陂", Pinyin: "huang2 pi2"},
		{Word: "", Pinyin: "a", Source: "x"},
	}
	for _, r := range tests {
		if _, err := r.Syllables(); err == nil {
			t.Errorf("Reading(%+v).Syllables() = nil error, want Invalid", r)
		}
	}
	if _, err := Standard().Name(Name{Specific: "长岭", Generic: "村", Readings: Readings{0: "zh@ng"}}); err == nil {
		t.Error("Name with a bad reading = nil error, want Invalid")
	}
}

func TestExtraReadingsWin(t *testing.T) {
	z, err := New([]Reading{{Word: "重阳", Pinyin: "zhong4 yang2", Source: "本地审定"}})
	if err != nil {
		t.Fatal(err)
	}
	ro, _ := z.Name(Name{Specific: "重阳", Generic: "村"})
	if ro.Text != "Zhongyang Cun" {
		t.Errorf("with an admin reading, 重阳村 = %q, want Zhongyang Cun", ro.Text)
	}
}
