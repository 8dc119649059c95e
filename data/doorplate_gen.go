package data

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// No public address data exists, so the demo and the benchmarks use
// generated streets and doorplates laid inside real (or demo) division
// polygons. Every row is marked generated.

// GenSpec says what to generate.
type GenSpec struct {
	Communities     []string // village/community codes; houses go inside their (or their nearest ancestor's) polygon
	Plates          int      // stop after this many plates (0: StreetsPerComm × HousesPerStreet each)
	StreetsPerComm  int      // streets per community
	HousesPerStreet int      // doorplates per street, both sides
	KeyID           string   // signing key id stored with the plates
	// PlatelessStreets is how many streets of each community (its last
	// ones) get addresses but no plates, left for the issuer to issue.
	PlatelessStreets int
	Seed             uint64
}

// GenResult counts what was generated.
type GenResult struct{ Streets, Addresses, Plates int }

var genSpecifics = []string{"和平", "建设", "解放", "人民", "中山", "新华", "文化", "胜利", "光明", "团结", "幸福", "长安", "永安", "青年",
	"东风", "朝阳", "红旗", "振兴", "育才", "学府", "环城", "滨河", "友谊", "迎宾", "工业", "商贸", "丰收", "兴旺", "富民", "安康"}
var genGenerics = []string{"路", "街", "巷", "弄", "大道"}

type genComm struct {
	code  string
	chain []string
	geom  orb.MultiPolygon
}

// GenerateDoorplates lays out streets with numbered houses inside each
// community and issues every house a plate, loading with COPY in one
// transaction. The database still checks every address against its
// division (the trigger runs for COPY too).
func (db *DB) GenerateDoorplates(ctx context.Context, spec GenSpec) (GenResult, error) {
	const op = "data.GenerateDoorplates"
	comms, err := db.genCommunities(ctx, spec.Communities)
	if err != nil {
		return GenResult{}, diming.E(op, err)
	}
	z, err := romanizerIn(ctx, db.Pool)
	if err != nil {
		return GenResult{}, translate(op, err)
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x646f6f72))
	var streets, addrs, plates [][]any
	var res GenResult
	target := spec.Plates
	for round := 0; round < spec.StreetsPerComm && (target == 0 || res.Plates < target); round++ {
		for _, c := range comms {
			if target > 0 && res.Plates >= target {
				break
			}
			line, ok := genStreetLine(rng, c.geom, round%2 == 0, spec.HousesPerStreet)
			if !ok {
				continue
			}
			name := genSpecifics[round%len(genSpecifics)] + genGenerics[(round/len(genSpecifics))%len(genGenerics)]
			if round >= len(genSpecifics)*len(genGenerics) {
				name = fmt.Sprintf("%s%d", name, round)
			}
			sid := int64(len(streets)) // replaced by a real id below
			streets = append(streets, []any{sid, c.code, name, z.Component(name), doorplate.Orientation(line), ewkbLine(line)})
			prefix := strings.Join(c.chain, "") + name
			comps := append(append([]string{}, c.chain...), name)
			pyPrefix := z.Address(comps)
			for _, h := range genHouses(line, spec.HousesPerStreet) {
				if !planar.MultiPolygonContains(c.geom, h.p) {
					continue
				}
				aid := int64(len(addrs))
				addrs = append(addrs, []any{aid, c.code, sid, h.n, prefix + strconv.Itoa(h.n) + "号",
					pyPrefix + " " + strconv.Itoa(h.n) + " Hao", ewkbPoint(h.p)})
				if round >= spec.StreetsPerComm-spec.PlatelessStreets {
					continue
				}
				plates = append(plates, []any{doorplate.NewPublicID(), aid, spec.KeyID})
				res.Plates++
				if target > 0 && res.Plates >= target {
					break
				}
			}
		}
	}
	res.Streets, res.Addresses = len(streets), len(addrs)
	err = db.WithTx(ctx, func(tx pgx.Tx) error { return copyGenerated(ctx, tx, streets, addrs, plates) })
	if err != nil {
		return GenResult{}, translate(op, err)
	}
	return res, nil
}

func (db *DB) genCommunities(ctx context.Context, codes []string) ([]genComm, error) {
	var out []genComm
	for _, code := range codes {
		chain, err := db.FindDivisionChain(ctx, code)
		if err != nil {
			return nil, err
		}
		var g []byte
		if err := db.Pool.QueryRow(ctx, `SELECT ST_AsBinary(division_geom($1))`, code).Scan(&g); err != nil {
			return nil, translate("data.genCommunities", err)
		}
		mp := multiPolygonFrom(g)
		if len(mp) == 0 {
			continue
		}
		c := genComm{code: code, geom: mp}
		for _, d := range chain {
			c.chain = append(c.chain, d.Name)
		}
		out = append(out, c)
	}
	return out, nil
}

const houseSpacing = 20.0 // metres between doors on one side

// genStreetLine picks a start inside the polygon and draws a straight
// street east–west or north–south long enough for the houses.
func genStreetLine(rng *rand.Rand, mp orb.MultiPolygon, ew bool, houses int) (orb.LineString, bool) {
	b := mp.Bound()
	for try := 0; try < 50; try++ {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if !planar.MultiPolygonContains(mp, p) {
			continue
		}
		length := float64(houses/2+1) * houseSpacing
		dLon, dLat := metresToDeg(p[1])
		if ew {
			return orb.LineString{{p[0] - length/2*dLon, p[1]}, {p[0] + length/2*dLon, p[1]}}, true
		}
		return orb.LineString{{p[0], p[1] + length/2*dLat}, {p[0], p[1] - length/2*dLat}}, true
	}
	return nil, false
}

func metresToDeg(lat float64) (float64, float64) {
	return 1 / (111320 * math.Cos(lat*math.Pi/180)), 1 / 110540.0
}

type genHouse struct {
	n int
	p orb.Point
}

// genHouses numbers doors from the start of the numbering line, odd on
// the right and even on the left, 12 m off the centre line.
func genHouses(line orb.LineString, n int) []genHouse {
	l := doorplate.NumberingLine(line)
	a, b := l[0], l[len(l)-1]
	dLon, dLat := metresToDeg(a[1])
	ex, ey := (b[0]-a[0])/dLon, (b[1]-a[1])/dLat // metres
	length := math.Hypot(ex, ey)
	ux, uy := ex/length, ey/length
	rx, ry := uy, -ux // right-hand normal
	out := make([]genHouse, 0, n)
	for k := 1; k <= n; k++ {
		d := float64((k-1)/2)*houseSpacing + houseSpacing/2
		side := 12.0
		if k%2 == 0 {
			side = -12
		}
		x, y := ux*d+rx*side, uy*d+ry*side
		out = append(out, genHouse{n: k, p: orb.Point{a[0] + x*dLon, a[1] + y*dLat}})
	}
	return out
}

// copyGenerated reserves real ids, then COPYs streets, addresses and
// plates, and records one audit row for the whole load.
func copyGenerated(ctx context.Context, tx pgx.Tx, streets, addrs, plates [][]any) error {
	// A million rows take minutes on a small machine (index upkeep and
	// foreign-key checks per row); the load is one deliberate statement
	// per table, so the pool's backstop timeout does not apply to it.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	sids, err := reserveIDs(ctx, tx, "streets", len(streets))
	if err != nil {
		return err
	}
	aids, err := reserveIDs(ctx, tx, "addresses", len(addrs))
	if err != nil {
		return err
	}
	for _, s := range streets {
		s[0] = sids[s[0].(int64)]
	}
	for _, a := range addrs {
		a[0] = aids[a[0].(int64)]
		a[2] = sids[a[2].(int64)]
	}
	for _, p := range plates {
		p[1] = aids[p[1].(int64)]
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"streets"}, []string{"id", "division_code", "name", "pinyin", "orientation", "geom", "generated"},
		pgx.CopyFromSlice(len(streets), func(i int) ([]any, error) { return append(streets[i], true), nil })); err != nil {
		return fmt.Errorf("copy streets: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"addresses"},
		[]string{"id", "division_code", "street_id", "door_number", "full_text", "pinyin", "position", "generated"},
		pgx.CopyFromSlice(len(addrs), func(i int) ([]any, error) { return append(addrs[i], true), nil })); err != nil {
		return fmt.Errorf("copy addresses: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"plates"}, []string{"public_id", "address_id", "key_id", "batch", "generated"},
		pgx.CopyFromSlice(len(plates), func(i int) ([]any, error) { return append(plates[i], "generated", true), nil })); err != nil {
		return fmt.Errorf("copy plates: %w", err)
	}
	return audit(ctx, tx, Change{Action: "doorplate.generate", Entity: "doorplate", EntityID: "generated",
		After: map[string]int{"streets": len(streets), "addresses": len(addrs), "plates": len(plates)}})
}

func reserveIDs(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1,'id')) FROM generate_series(1,$2)`, table, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// ewkbPoint and ewkbLine encode CGCS2000 geometries as EWKB, the binary
// form PostGIS takes in COPY.
func ewkbPoint(p orb.Point) []byte {
	b := ewkbHeader(1, 16)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
}

func ewkbLine(l orb.LineString) []byte {
	b := ewkbHeader(2, 4+16*len(l))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(l)))
	for _, p := range l {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
	}
	return b
}

func ewkbHeader(typ uint32, extra int) []byte {
	b := make([]byte, 0, 9+extra)
	b = append(b, 1) // little endian
	b = binary.LittleEndian.AppendUint32(b, typ|0x20000000)
	return binary.LittleEndian.AppendUint32(b, 4490)
}

// DemoDoorplates generates streets, doorplates, community contacts and one
// grid per community for the villages and communities of the demo county,
// once: it does nothing when the county is missing (the divisions step
// has not run); doorplates are generated only when the county has none,
// contacts and grids only where missing. Each community's last street
// is left without plates, for the issuer to issue. It reports whether it
// generated doorplates.
func (db *DB) DemoDoorplates(ctx context.Context, county string) (GenResult, bool, error) {
	const op = "data.DemoDoorplates"
	var exists, done bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM divisions WHERE code = $1),
		EXISTS (SELECT 1 FROM streets WHERE division_code LIKE $1 || '%' AND generated)`, county).Scan(&exists, &done)
	if err != nil || !exists {
		return GenResult{}, false, translate(op, err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT code FROM divisions WHERE code LIKE $1 || '%' AND level = 5 AND valid_to IS NULL
		AND division_geom(code) IS NOT NULL ORDER BY code`, county)
	if err != nil {
		return GenResult{}, false, translate(op, err)
	}
	comms, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(comms) == 0 {
		return GenResult{}, false, translate(op, err)
	}
	// Contacts and grids: work numbers for offices and police, personal
	// (masked on scan pages) for grid workers. All invented.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO community_info (community_code, office_name, office_address, office_hours,
		service_phone, police_name, police_unit, police_phone)
		SELECT d.code, d.name || '党群服务中心', d.name || '办公楼一楼', '周一至周五 8:30–17:00',
		       '0575-8' || right(d.code, 7), '民警' || right(d.code, 2) || '号', '示范派出所', '0575-8110' || right(d.code, 4)
		  FROM divisions d WHERE d.code = ANY($1) ON CONFLICT DO NOTHING`, comms); err != nil {
		return GenResult{}, false, translate(op, err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO grids (community_code, name, geom, worker_name, worker_phone, worker_phone_kind, generated)
		SELECT d.code, '第一网格', d.geom, '网格员' || right(d.code, 2) || '号', '139' || right(d.code, 8), 'personal', true
		  FROM divisions d WHERE d.code = ANY($1) AND d.geom IS NOT NULL ON CONFLICT DO NOTHING`, comms); err != nil {
		return GenResult{}, false, translate(op, err)
	}
	if done {
		return GenResult{}, false, nil
	}
	res, err := db.GenerateDoorplates(ctx, GenSpec{Communities: comms, StreetsPerComm: 3, HousesPerStreet: 24, KeyID: "demo", Seed: 330699,
		PlatelessStreets: 1})
	return res, err == nil, err
}
