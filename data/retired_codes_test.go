package data_test

import (
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
)

// 废码不用: once retired, a code is final. The service's rename and
// retire, a raw write on the application's connection and an NBS import
// all meet the one rule of migration 013 and its one message.
func TestRetiredCodeIsFinal(t *testing.T) {
	db := dbtest.Open(t)
	ctx := diming.WithUser(t.Context(), &diming.User{Username: "admin", Roles: []diming.Role{diming.RoleAdmin}})
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES
		('920000', '废码省', 1, NULL), ('920100', '废码市', 2, '920000'),
		('920102', '旧城区', 3, '920100'), ('920103', '新城区', 3, '920100')`); err != nil {
		t.Fatal(err)
	}
	svc := boundaries.New(db)
	version := func(code string) int {
		t.Helper()
		d, err := svc.Division(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		return d.Version
	}
	on := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := svc.Retire(ctx, "920102", on, []string{"920103"}, version("920102")); err != nil {
		t.Fatalf("Retire(920102) = %v", err)
	}
	names := func() int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM division_names WHERE code = '920102'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := names()

	for _, c := range []struct {
		what string
		do   func() error
		want string
	}{
		{"rename", func() error {
			_, err := svc.Rename(ctx, "920102", "复兴区", on.AddDate(1, 0, 0), version("920102"))
			return err
		}, "废止的区划不能更名"},
		{"retire again", func() error {
			_, err := svc.Retire(ctx, "920102", on.AddDate(1, 0, 0), nil, version("920102"))
			return err
		}, "不能再次废止"},
		{"retire again on the same day", func() error {
			_, err := svc.Retire(ctx, "920102", on, nil, version("920102"))
			return err
		}, "不能再次废止"},
		{"bring back by SQL", func() error {
			_, err := db.Pool.Exec(ctx, `UPDATE divisions SET valid_to = NULL WHERE code = '920102'`)
			return err
		}, "不能恢复使用"},
	} {
		err := c.do()
		if diming.KindOf(err) != diming.Invalid && c.what != "bring back by SQL" || err == nil {
			t.Errorf("%s of retired 920102: %v (%v), want refused as invalid", c.what, err, diming.KindOf(err))
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "区划代码 920102（旧城区） 已于 2024-05-01 废止") || !strings.Contains(msg, "废码不用") || !strings.Contains(msg, c.want) {
			t.Errorf("%s of retired 920102: %q, want the rule's message with %q", c.what, msg, c.want)
		}
	}
	if got := names(); got != before {
		t.Errorf("division_names rows of 920102: %d after the refused rename, want %d", got, before)
	}
	d, err := svc.Division(ctx, "920102")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "旧城区" || d.ValidTo == nil || !d.ValidTo.Equal(on) {
		t.Errorf("920102 after the refusals = %s until %v, want 旧城区 retired on %s", d.Name, d.ValidTo, on.Format(time.DateOnly))
	}

	f := t.TempDir() + "/areas.csv"
	writeTestFile(t, f, "code,name,cityCode,provinceCode\n920102,旧城区,9201,92\n")
	rep, err := svc.ImportNBS(ctx, []string{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := rep.Find("920102 旧城区")
	if !ok || p.Kind != "rejected" || !strings.Contains(p.Reason, "区划代码 920102（旧城区） 已于 2024-05-01 废止") {
		t.Errorf("import of 920102: %+v, want rejected with the rule's message", rep.Problems)
	}
}
