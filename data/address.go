package data

import (
	"context"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// geomBytes encodes g as WKB for ST_GeomFromWKB, or nil (SQL NULL).
func geomBytes(g orb.Geometry) ([]byte, error) {
	if g == nil {
		return nil, nil
	}
	switch v := g.(type) {
	case orb.LineString:
		if len(v) == 0 {
			return nil, nil
		}
	case orb.MultiPolygon:
		if len(v) == 0 {
			return nil, nil
		}
	case orb.MultiPoint:
		if len(v) == 0 {
			return nil, nil
		}
	}
	return wkb.Marshal(g)
}

func lineStringFrom(b []byte) orb.LineString {
	if g, err := wkb.Unmarshal(b); err == nil {
		if l, ok := g.(orb.LineString); ok {
			return l
		}
	}
	return nil
}

func multiPolygonFrom(b []byte) orb.MultiPolygon {
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil
	}
	switch v := g.(type) {
	case orb.MultiPolygon:
		return v
	case orb.Polygon:
		return orb.MultiPolygon{v}
	}
	return nil
}

// FindDivisionChain returns a division and its ancestors, province first.
// It returns NotFound for an unknown code and Invalid for a retired one.
func (db *DB) FindDivisionChain(ctx context.Context, code string) ([]doorplate.Division, error) {
	return findDivisionChain(ctx, db.Pool, code)
}

func findDivisionChain(ctx context.Context, q DBTX, code string) ([]doorplate.Division, error) {
	const op = "data.FindDivisionChain"
	rows, err := q.Query(ctx, `WITH RECURSIVE up AS (
		SELECT code, name, level, parent_code, valid_to, 0 AS depth FROM divisions WHERE code = $1
		UNION ALL SELECT d.code, d.name, d.level, d.parent_code, d.valid_to, up.depth + 1
		  FROM divisions d JOIN up ON d.code = up.parent_code WHERE up.depth < 6)
		SELECT code, name, level, valid_to IS NOT NULL FROM up ORDER BY depth DESC`, code)
	if err != nil {
		return nil, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (doorplate.Division, error) {
		var d doorplate.Division
		var retired bool
		err := r.Scan(&d.Code, &d.Name, &d.Level, &retired)
		if err == nil && retired && d.Code == code {
			err = diming.E(op, diming.Invalid, "division "+code+" is retired")
		}
		return d, err
	})
	if err != nil {
		return nil, translate(op, err)
	}
	if len(out) == 0 {
		return nil, diming.E(op, diming.NotFound, "no division "+code)
	}
	return out, nil
}

const streetCols = `id, division_code, coalesce(place_id, 0), name, pinyin, orientation, ST_AsBinary(geom), generated, version`

func scanStreet(row pgx.Row) (doorplate.Street, error) {
	var s doorplate.Street
	var g []byte
	err := row.Scan(&s.ID, &s.DivisionCode, &s.PlaceID, &s.Name, &s.Pinyin, &s.Orientation, &g, &s.Generated, &s.Version)
	s.Line = lineStringFrom(g)
	return s, err
}

// CreateStreet adds a street bearing a standard name: the category-5 place
// s.PlaceID, or, without one, its name registered as a new standard name in
// the same transaction, where the naming guard refuses a name that clashes
// within its scope (Conflict, saying with which name). Invalid when its
// division does not exist or the place is not a current street name.
func (db *DB) CreateStreet(ctx context.Context, s doorplate.Street) (doorplate.Street, error) {
	const op = "data.CreateStreet"
	g, err := geomBytes(s.Line)
	if err != nil {
		return s, diming.E(op, diming.Invalid, "街路线形有误", err)
	}
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		if err := streetPlace(ctx, tx, &s); err != nil {
			return err
		}
		s, err = scanStreet(tx.QueryRow(ctx, `INSERT INTO streets (division_code, place_id, name, pinyin, orientation, geom, generated)
			VALUES ($1,$2,$3,$4,$5, ST_SetSRID(ST_GeomFromWKB($6),4490), $7) RETURNING `+streetCols,
			s.DivisionCode, s.PlaceID, s.Name, s.Pinyin, s.Orientation, g, s.Generated))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "street.create", Entity: "street", EntityID: strconv.FormatInt(s.ID, 10), After: s})
	})
	return s, translate(op, err)
}

// FindStreetByID returns one street, or NotFound.
func (db *DB) FindStreetByID(ctx context.Context, id int64) (doorplate.Street, error) {
	s, err := scanStreet(db.Pool.QueryRow(ctx, `SELECT `+streetCols+` FROM streets WHERE id=$1`, id))
	return s, translate("data.FindStreetByID", err)
}

const addressCols = `id, code, division_code, coalesce(street_id,0), area_name, coalesce(door_number,0), door_suffix, building, unit,
	floor, room, full_text, pinyin, ST_X(position), ST_Y(position), position_source, ST_AsBinary(entrances), entrance_labels,
	status, lifecycle, valid_from, valid_to, generated, version`

func scanAddress(row pgx.Row) (doorplate.Address, error) {
	var a doorplate.Address
	var ent []byte
	var labels []string
	err := row.Scan(&a.ID, &a.Code, &a.DivisionCode, &a.StreetID, &a.AreaName, &a.DoorNumber, &a.DoorSuffix, &a.Building, &a.Unit,
		&a.Floor, &a.Room, &a.FullText, &a.Pinyin, &a.Position[0], &a.Position[1], &a.PositionSource, &ent, &labels,
		&a.Status, &a.Lifecycle, &a.ValidFrom, &a.ValidTo, &a.Generated, &a.Version)
	if g, gerr := wkb.Unmarshal(ent); ent != nil && gerr == nil {
		if mp, ok := g.(orb.MultiPoint); ok {
			for i, p := range mp {
				if i < len(labels) {
					a.Entrances = append(a.Entrances, doorplate.Entrance{Label: labels[i], Position: p})
				}
			}
		}
	}
	return a, err
}

// CreateAddress adds an address. The database refuses a position outside
// the division (Invalid) and a duplicate number (Conflict).
func (db *DB) CreateAddress(ctx context.Context, a doorplate.Address) (doorplate.Address, error) {
	const op = "data.CreateAddress"
	var mp orb.MultiPoint
	labels := []string{}
	for _, e := range a.Entrances {
		mp = append(mp, e.Position)
		labels = append(labels, e.Label)
	}
	ent, err := geomBytes(mp)
	if err != nil {
		return a, diming.E(op, diming.Invalid, "bad entrances", err)
	}
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		a, err = scanAddress(tx.QueryRow(ctx, `INSERT INTO addresses (division_code, street_id, area_name, door_number, door_suffix,
			building, unit, floor, room, full_text, pinyin, position, position_source, entrances, entrance_labels, status, lifecycle, generated)
			VALUES ($1, nullif($2,0), $3, nullif($4,0), $5, $6, $7, $8, $9, $10, $11, ST_SetSRID(ST_MakePoint($12,$13),4490), $14,
			ST_SetSRID(ST_GeomFromWKB($15),4490), $16, $17, $18, $19) RETURNING `+addressCols,
			a.DivisionCode, a.StreetID, a.AreaName, a.DoorNumber, a.DoorSuffix, a.Building, a.Unit, a.Floor, a.Room, a.FullText,
			a.Pinyin, a.Position[0], a.Position[1], a.PositionSource, ent, labels, a.Status, a.Lifecycle, a.Generated))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "address.create", Entity: "address", EntityID: strconv.FormatInt(a.ID, 10), After: a})
	})
	if diming.KindOf(translate(op, err)) == diming.Conflict {
		return a, diming.E(op, diming.Conflict, "this number is already taken on the street (no duplicate numbers)", err)
	}
	return a, translate(op, err)
}

// FindAddressByID returns one address, or NotFound.
func (db *DB) FindAddressByID(ctx context.Context, id int64) (doorplate.Address, error) {
	a, err := scanAddress(db.Pool.QueryRow(ctx, `SELECT `+addressCols+` FROM addresses WHERE id=$1`, id))
	return a, translate("data.FindAddressByID", err)
}

// SetAddressLifecycle moves an address to a lifecycle stage; retiring sets
// valid_to. Conflict with the current record when version is stale.
func (db *DB) SetAddressLifecycle(ctx context.Context, id int64, lifecycle string, version int) (doorplate.Address, error) {
	const op = "data.SetAddressLifecycle"
	var after doorplate.Address
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := scanAddress(tx.QueryRow(ctx, `SELECT `+addressCols+` FROM addresses WHERE id=$1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleVersion(op, before.Version, before)
		}
		after, err = scanAddress(tx.QueryRow(ctx, `UPDATE addresses SET lifecycle=$2, version=version+1,
			valid_to = CASE WHEN $2 IN ('retired','rejected') THEN current_date ELSE NULL END
			WHERE id=$1 RETURNING `+addressCols, id, lifecycle))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "address.lifecycle", Entity: "address", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return after, translate(op, err)
}

// streetPlace links s to its standard name in tx: the current category-5
// place s.PlaceID (whose name and spelling the street takes), or a new one
// registered under the naming guard.
func streetPlace(ctx context.Context, tx pgx.Tx, s *doorplate.Street) error {
	if s.PlaceID != 0 {
		var cat int16
		var status, division string
		err := tx.QueryRow(ctx, `SELECT name, romanization, category, status, division_code FROM places WHERE id=$1 FOR SHARE`, s.PlaceID).
			Scan(&s.Name, &s.Pinyin, &cat, &status, &division)
		switch {
		case err == pgx.ErrNoRows:
			return placeIDErr("没有这个标准地名")
		case err != nil:
			return err
		case gazetteer.Category(cat) != gazetteer.Street || status != string(gazetteer.Current):
			return placeIDErr("应为现行的街路巷标准地名（第 5 类）")
		case len(division) < 6 || !strings.HasPrefix(s.DivisionCode, division[:6]):
			return placeIDErr("这个标准地名属于另一个县级行政区（" + division + "）")
		}
		return nil
	}
	z, err := romanizerIn(ctx, tx)
	if err != nil {
		return err
	}
	np := gazetteer.NewPlace{Name: s.Name, Category: gazetteer.Street, DivisionCode: s.DivisionCode, Generated: s.Generated}
	if len(s.Line) > 1 {
		np.Geometry = s.Line
	}
	p, err := np.Build(z)
	if err != nil {
		return err
	}
	if p, err = createPlace(ctx, tx, p); err != nil {
		return err
	}
	s.PlaceID, s.Pinyin = p.ID, p.Romanization.Text
	return nil
}

func placeIDErr(msg string) error {
	return diming.E(diming.Invalid, "place_id："+msg, map[string]string{"place_id": msg})
}
