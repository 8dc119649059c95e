package gazetteer

import "testing"

func TestRomanize(t *testing.T) {
	tests := []struct {
		name     string
		readings Readings
		joined   bool
		text     string
		key      string
		initials string
	}{
		{name: "绍兴市", text: "Shaoxing Shi", key: "shaoxingshi", initials: "sxs"},
		{name: "西安市", text: "Xi'an Shi", key: "xianshi", initials: "xas"},
		{name: "太行山", text: "Taihang Shan"},
		{name: "长沙市", text: "Changsha Shi"},
		{name: "重庆市", text: "Chongqing Shi"},
		{name: "长子县", text: "Zhangzi Xian"},
		{name: "乐清市", text: "Yueqing Shi"},
		{name: "嵊州市", text: "Shengzhou Shi"},
		{name: "解放东路", text: "Jiefang Donglu"},
		{name: "周家庄", joined: true, text: "Zhoujiazhuang"},
		{name: "天峨县", text: "Tian'e Xian"},
		{name: "绿水村", text: "Lüshui Cun", key: "lvshuicun"},
		{name: "长岭村", readings: Readings{0: "zhǎng"}, text: "Zhangling Cun"},
		{name: "重阳村", readings: Readings{0: "chong2"}, text: "Chongyang Cun"},
		{name: "重阳村", text: "Zhongyang Cun"},
		{name: "3号桥", text: "Sanhao Qiao"},
	}
	for _, tt := range tests {
		t.Run(tt.name+tt.text, func(t *testing.T) {
			spec, gen := SplitName(tt.name)
			ro, err := Romanize(spec, gen, tt.readings, tt.joined)
			if err != nil {
				t.Fatalf("Romanize(%s) error %v", tt.name, err)
			}
			if ro.Text != tt.text {
				t.Errorf("Romanize(%s).Text = %q, want %q (toned %q)", tt.name, ro.Text, tt.text, ro.Toned)
			}
			if tt.key != "" && ro.Key != tt.key {
				t.Errorf("Romanize(%s).Key = %q, want %q", tt.name, ro.Key, tt.key)
			}
			if tt.initials != "" && ro.Initials != tt.initials {
				t.Errorf("Romanize(%s).Initials = %q, want %q", tt.name, ro.Initials, tt.initials)
			}
		})
	}
}

func TestRomanizeBadReading(t *testing.T) {
	if _, err := Romanize("长岭", "村", Readings{0: "zh@ng"}, false); err == nil {
		t.Fatal("Romanize with a bad reading = nil error, want Invalid")
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, spec, gen string }{
		{"绍兴市", "绍兴", "市"}, {"柯桥街道", "柯桥", "街道"}, {"景宁畲族自治县", "景宁畲族", "自治县"},
		{"中山北路", "中山", "北路"}, {"东湖", "东", "湖"}, {"鉴湖", "鉴", "湖"}, {"华堂", "华堂", ""}, {"市", "市", ""},
	}
	for _, tt := range tests {
		if s, g := SplitName(tt.in); s != tt.spec || g != tt.gen {
			t.Errorf("SplitName(%s) = %s+%s, want %s+%s", tt.in, s, g, tt.spec, tt.gen)
		}
	}
}

func TestRomanizeRealDataTraps(t *testing.T) {
	tests := []struct{ division, text string }{
		{"中国矿业大学（北京）社区居委会", "Zhongguokuangyedaxue (Beijing) Shequ"},
		{"温泉花园A区社区居委会", "WenquanhuayuanAqu Shequ"},
		{"长shan村委会", "Changshan Cun"},
		{"北扎兰营子村委会（一分场）", "Beizhalanyingzicun (Yifenchang)"}, {"华堂村村民委员会", "Huatang Cun"},
		{"铁道部住宅区第二、二社区居委会", "Tiedaobuzhuzhaiqudi'er Er Shequ"},
	}
	for _, tt := range tests {
		spec, gen := SplitName(SeatName(tt.division))
		ro, err := Romanize(spec, gen, nil, false)
		if err != nil || ro.Text != tt.text {
			t.Errorf("Romanize(%s) = %q, %v; want %q", tt.division, ro.Text, err, tt.text)
		}
	}
}
