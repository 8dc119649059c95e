package data_test

import (
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
)

// On the real NBS 2023 lists: names read as the place says, 林区 is the
// generic only of 神农架, ethnic words stand apart, and the clean-up
// report of 西安市 lists 碑林区 with its national homophone 北林区.
func TestRealNamesReadRight(t *testing.T) {
	db, _ := dbtest.Copy(t, dbtest.TownsSet) // the NBS towns of the country, the focus areas' villages
	ctx := t.Context()
	if _, err := db.ImportPlacesFromDivisions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{
		"540000": "Xizang Zizhiqu", "310112": "Minhang Qu", "653101": "Kashi Shi", "653100": "Kashi Diqu",
		"420116": "Huangpi Qu", "110118103": "Shilipu Zhen", "210213014": "Ershilipu Jiedao", "610103": "Beilin Qu",
		"231202": "Beilin Qu", "429021": "Shennongjia Linqu", "433100": "Xiangxi Tujiazu Miaozu Zizhizhou",
		"440600": "Foshan Shi", "652801": "Ku'erle Shi", "222404": "Hunchun Shi", "341621": "Guoyang Xian",
		"371722": "Shan Xian", "410621": "Xun Xian", "130726": "Yu Xian", "371524": "Dong'e Xian", "441422": "Dabu Xian",
		"370612": "Muping Qu", "430100": "Changsha Shi", "350200": "Xiamen Shi", "510100": "Chengdu Shi", "500000": "Chongqing Shi",
		"450000": "Guangxi Zhuangzu Zizhiqu",
	} {
		var got string
		if err := db.Pool.QueryRow(ctx, `SELECT romanization FROM places WHERE source_division=$1`, code).Scan(&got); err != nil || got != want {
			t.Errorf("romanization of %s = %q (%v), want %q", code, got, err, want)
		}
	}
	admin := &diming.User{Username: "admin", Roles: []diming.Role{diming.RoleAdmin}}
	rep, err := gazetteer.NewService(db, nil).Duplicates(diming.WithUser(ctx, admin), "610100")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range rep.Groups {
		var names []string
		for _, p := range g.Places {
			names = append(names, p.Name+"@"+p.DivisionCode)
		}
		if strings.Contains(strings.Join(names, " "), "碑林区@610103") {
			found = strings.Contains(strings.Join(names, " "), "北林区@231202") && g.Kind == gazetteer.RuleSameSound
			t.Logf("%s: %v", g.Reason(), names)
		}
	}
	if !found {
		t.Errorf("Duplicates(610100) = %d groups, want 碑林区 listed with its homophone 北林区 (county names are unique nationwide)", len(rep.Groups))
	}
}

// A database spelled by the old romanizer is re-spelled in one audited
// step: names, streets and addresses; an admin's reading re-spells the
// names it occurs in.
func TestRomanizeRespellsStoredNames(t *testing.T) {
	db, _ := dbtest.Fresh(t, true)
	ctx := t.Context()
	f := mustDoorplateFixture(t, db)
	st, err := db.CreateStreet(ctx, doorplateStreet(f.town, "长沙路"))
	if err != nil {
		t.Fatal(err)
	}
	a := mustAddress(t, db, addressOn(f.commA, st.ID, 8))
	// What the old doorplate romanizer wrote.
	for _, q := range []struct {
		sql string
		id  int64
	}{
		{`UPDATE places SET romanization='Zhang Shalu', sound='zhang sha lu', pinyin='zhangshalu' WHERE id=$1`, st.PlaceID},
		{`UPDATE streets SET pinyin='Zhangsha Lu' WHERE id=$1`, st.ID},
		{`UPDATE addresses SET pinyin='Zhangsha Lu 8 Hao' WHERE id=$1`, a.ID},
	} {
		if _, err := db.Pool.Exec(ctx, q.sql, q.id); err != nil {
			t.Fatal(err)
		}
	}
	rep, ran, err := db.RomanizeIfNew(ctx)
	if err != nil || !ran || rep.Changed < 1 || rep.Streets != 1 || rep.Addresses != 1 {
		t.Fatalf("RomanizeIfNew() = %+v, ran %v, %v; want the place, street and address re-spelled", rep, ran, err)
	}
	var place, street, addr string
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT romanization FROM places WHERE id=$1), (SELECT pinyin FROM streets WHERE id=$2),
		(SELECT pinyin FROM addresses WHERE id=$3)`, st.PlaceID, st.ID, a.ID).Scan(&place, &street, &addr); err != nil {
		t.Fatal(err)
	}
	if place != "Changsha Lu" || street != "Changsha Lu" || !strings.Contains(addr, "Changsha Lu 8 Hao") {
		t.Errorf("after romanize: place %q, street %q, address %q; want Changsha Lu", place, street, addr)
	}
	if _, ran, _ := db.RomanizeIfNew(ctx); ran {
		t.Error("second RomanizeIfNew ran again for the same fingerprint")
	}
	var audited int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action='romanize.run' AND entity_id=$1`, romanize.Fingerprint()).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("romanize.run audit rows = %d (%v), want 1", audited, err)
	}
	// A local reading: this county reads 长沙 zhǎng shā (made up for the test).
	if _, err := db.SaveReading(ctx, romanize.Reading{Word: "长沙", Pinyin: "zhang3 sha1", Source: "测试"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT romanization FROM places WHERE id=$1`, st.PlaceID).Scan(&place); err != nil || place != "Zhangsha Lu" {
		t.Errorf("after a local reading, 长沙路 = %q (%v), want Zhangsha Lu", place, err)
	}
	if _, err := db.SaveReading(ctx, romanize.Reading{Word: "长沙", Pinyin: "zhang3", Source: "测试"}); diming.KindOf(err) != diming.Invalid {
		t.Errorf("SaveReading with one syllable for two characters = %v, want Invalid", err)
	}
}
