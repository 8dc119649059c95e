package data

import "context"

// demoHeritage is a generated county list for the demo county, linked to
// its demo names, so the heritage page and badges have something to show.
var demoHeritage = []struct{ name, category string }{
	{"周家庄", "千年古村落"}, {"重阳桥", "传统地名"}, {"清溪", "山水地名"}, {"若耶县", "千年古县"},
}

// loadHeritageDemo adds the demo county's generated heritage list (a list
// named as demo data) when the demo names exist; idempotent.
func (db *DB) loadHeritageDemo(ctx context.Context) error {
	for _, h := range demoHeritage {
		_, err := db.Pool.Exec(ctx, `INSERT INTO heritage_entries (place_id, name, list_name, category, level, issuer, batch, announced,
				province, city, county, division_code, completeness)
			SELECT p.id, $1, '若耶县地名文化遗产保护名录（演示数据）', $2, 'county', '若耶县人民政府（生成）', 1, DATE '2024-06-01',
				'浙江省', '绍兴市', '若耶县', p.division_code, 'generated'
			FROM places p WHERE p.name = $1 AND p.status = 'current' AND p.division_code LIKE $3
			ORDER BY p.id LIMIT 1
			ON CONFLICT (list_name, batch, category, province, county, name) DO NOTHING`, h.name, h.category, DemoCounty+"%")
		if err != nil {
			return translate("data.loadHeritageDemo", err)
		}
	}
	return nil
}
