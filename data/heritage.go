package data

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
)

const heritageCols = `id, place_id, name, list_name, category, level, issuer, batch, announced, province, city, county,
	coalesce(division_code,''), evidence, protection_measures, completeness, source_url, shortlist`

func scanHeritage(r pgx.CollectableRow) (gazetteer.HeritageEntry, error) {
	var h gazetteer.HeritageEntry
	var level string
	err := r.Scan(&h.ID, &h.PlaceID, &h.Name, &h.ListName, &h.Category, &level, &h.Issuer, &h.Batch, &h.Announced, &h.Province,
		&h.City, &h.County, &h.DivisionCode, &h.Evidence, &h.ProtectionMeasures, &h.Completeness, &h.SourceURL, &h.Shortlist)
	h.Level = gazetteer.HeritageLevel(level)
	return h, err
}

// FindHeritageByPlace returns the heritage entries of a place.
func (db *DB) FindHeritageByPlace(ctx context.Context, placeID int64) ([]gazetteer.HeritageEntry, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+heritageCols+` FROM heritage_entries WHERE place_id=$1 ORDER BY id`, placeID)
	if err != nil {
		return nil, translate("data.FindHeritageByPlace", err)
	}
	out, err := pgx.CollectRows(rows, scanHeritage)
	return out, translate("data.FindHeritageByPlace", err)
}

// FindHeritage returns a page of heritage entries matching f, listed by
// level, list, batch and name, and how many match in all.
func (db *DB) FindHeritage(ctx context.Context, f gazetteer.HeritageFilter) ([]gazetteer.HeritageEntry, int, error) {
	const op = "data.FindHeritage"
	where := `($1 = '' OR list_name = $1) AND ($2 = 0 OR batch = $2) AND ($3 = '' OR level = $3) AND ($4 = '' OR category = $4)
		AND ($5 = '' OR division_code LIKE $6)`
	args := []any{f.ListName, f.Batch, string(f.Level), f.Category, f.DivisionCode, likePrefix(diming.CodePrefix(f.DivisionCode))}
	var total int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM heritage_entries WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(op, err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+heritageCols+` FROM heritage_entries WHERE `+where+`
		ORDER BY array_position(ARRAY['national','provincial','city','county'], level), shortlist, list_name, batch DESC, category, province, city, county, name, id
		LIMIT $7 OFFSET $8`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, scanHeritage)
	return out, total, translate(op, err)
}

// FindHeritageEntry returns one heritage entry; NotFound.
func (db *DB) FindHeritageEntry(ctx context.Context, id int64) (gazetteer.HeritageEntry, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+heritageCols+` FROM heritage_entries WHERE id = $1`, id)
	if err != nil {
		return gazetteer.HeritageEntry{}, translate("data.FindHeritageEntry", err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, scanHeritage)
	return h, translate("data.FindHeritageEntry", err)
}

// FindHeritageBatches lists the batches of the lists: level, list, batch
// (latest first), with their size and categories.
func (db *DB) FindHeritageBatches(ctx context.Context) ([]gazetteer.HeritageBatch, error) {
	const op = "data.FindHeritageBatches"
	rows, err := db.Pool.Query(ctx, `SELECT list_name, level, min(issuer), batch, max(announced), bool_or(shortlist), count(*),
			array_agg(DISTINCT category ORDER BY category)
		FROM heritage_entries GROUP BY list_name, level, batch
		ORDER BY array_position(ARRAY['national','provincial','city','county'], level), bool_or(shortlist), list_name, batch DESC`)
	if err != nil {
		return nil, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gazetteer.HeritageBatch, error) {
		var b gazetteer.HeritageBatch
		var level string
		err := r.Scan(&b.ListName, &level, &b.Issuer, &b.Batch, &b.Announced, &b.Shortlist, &b.Count, &b.Categories)
		b.Level = gazetteer.HeritageLevel(level)
		return b, err
	})
	return out, translate(op, err)
}

// HeritageReport says what a heritage import did.
type HeritageReport struct {
	Read, Imported, Linked, Shortlist int
	Skipped                           []string // rows that are not heritage lists, with the reason
	Unlinked                          []string // entries with no matching place name
}

// ImportHeritage reads a heritage CSV (placename-heritage-lists format:
// list_name, issuer_level, batch, announced, category, item_name, province,
// city, county, focus_area, list_completeness, source_url), links each entry
// to its place name where the divisions are loaded, and upserts it. All or
// nothing.
func (db *DB) ImportHeritage(ctx context.Context, r io.Reader) (HeritageReport, error) {
	const op = "data.ImportHeritage"
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return HeritageReport{}, fmt.Errorf("%s: read header: %w", op, err)
	}
	if strings.Join(head, ",") != "list_name,issuer_level,batch,announced,category,item_name,province,city,county,focus_area,list_completeness,source_url" {
		return HeritageReport{}, fmt.Errorf("%s: unexpected header %v", op, head)
	}
	recs, err := cr.ReadAll()
	if err != nil {
		return HeritageReport{}, fmt.Errorf("%s: %w", op, err)
	}
	var rep HeritageReport
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		for _, rec := range recs {
			rep.Read++
			h, skip := parseHeritage(rec)
			if skip != "" {
				rep.Skipped = append(rep.Skipped, h.Name+": "+skip)
				continue
			}
			if err := linkHeritage(ctx, tx, &h); err != nil {
				return err
			}
			if h.PlaceID != nil {
				rep.Linked++
			} else {
				rep.Unlinked = append(rep.Unlinked, h.County+h.Name)
			}
			if h.Shortlist {
				rep.Shortlist++
			}
			if _, err := tx.Exec(ctx, `INSERT INTO heritage_entries (place_id, name, list_name, category, level, issuer, batch,
				announced, province, city, county, division_code, completeness, source_url, shortlist)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
				ON CONFLICT (list_name, batch, category, province, county, name) DO UPDATE SET place_id=coalesce(EXCLUDED.place_id, heritage_entries.place_id),
				division_code=coalesce(EXCLUDED.division_code, heritage_entries.division_code), announced=EXCLUDED.announced,
				completeness=EXCLUDED.completeness, source_url=EXCLUDED.source_url, version=heritage_entries.version+1`,
				h.PlaceID, h.Name, h.ListName, h.Category, string(h.Level), h.Issuer, h.Batch, h.Announced, h.Province, h.City,
				h.County, nullText(h.DivisionCode), h.Completeness, h.SourceURL, h.Shortlist); err != nil {
				return err
			}
			rep.Imported++
		}
		return audit(ctx, tx, Change{Action: "heritage.import", Entity: "import", EntityID: "heritage", After: rep})
	})
	return rep, translate(op, err)
}

// parseHeritage reads one CSV row; skip says why a row is not imported.
func parseHeritage(rec []string) (h gazetteer.HeritageEntry, skip string) {
	h = gazetteer.HeritageEntry{ListName: rec[0], Category: rec[4], Name: rec[5], Province: rec[6], City: rec[7], County: rec[8],
		Completeness: rec[10], SourceURL: rec[11]}
	level, issuer, _ := strings.Cut(rec[1], "(")
	h.Issuer = strings.TrimSuffix(issuer, ")")
	switch {
	case strings.HasPrefix(level, "national"):
		h.Level = gazetteer.LevelNational
	case level == "provincial" || level == "provincial-candidate":
		h.Level = gazetteer.LevelProvincial
	case level == "municipal":
		h.Level = gazetteer.LevelCity
	case level == "county":
		h.Level = gazetteer.LevelCounty
	default:
		return h, "not a place-name heritage list (" + rec[1] + ")"
	}
	h.Shortlist = strings.Contains(level, "candidate") || strings.Contains(rec[2], "入围")
	h.Category = strings.TrimSuffix(h.Category, "(入围)")
	b := strings.TrimFunc(rec[2], func(r rune) bool { return r < '0' || r > '9' })
	if n, err := strconv.Atoi(b); err == nil {
		h.Batch = n
	}
	for _, layout := range []string{time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, rec[3]); err == nil {
			h.Announced = &t
			break
		}
	}
	return h, ""
}

// linkHeritage finds the division and the place an entry names: a county,
// a town, or a village written with its town (金庭镇华堂村).
func linkHeritage(ctx context.Context, tx pgx.Tx, h *gazetteer.HeritageEntry) error {
	var county string
	err := tx.QueryRow(ctx, `SELECT c.code FROM divisions c JOIN divisions p ON p.level=1 AND p.name=$1 AND c.code LIKE left(p.code,2)||'%'
		WHERE c.level=3 AND c.name=$2 AND c.valid_to IS NULL ORDER BY c.code LIMIT 1`, h.Province, h.County).Scan(&county)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	h.DivisionCode = county
	scope := county
	name := h.Name
	if h.Name == h.County {
		name = h.County
	} else if town, village, ok := splitTownVillage(h.Name); ok {
		var tc string
		err := tx.QueryRow(ctx, `SELECT code FROM divisions WHERE level=4 AND name=$1 AND code LIKE $2 LIMIT 1`, town, county+"%").Scan(&tc)
		if err == nil {
			scope, name = tc, village
		} else if err != pgx.ErrNoRows {
			return err
		}
	}
	var id int64
	var div string
	err = tx.QueryRow(ctx, `SELECT id, division_code FROM places WHERE status='current' AND division_code LIKE $1
		AND (name=$2 OR name=$2||'村' OR name LIKE $2||'%村') ORDER BY name=$2 DESC, rank, id LIMIT 1`, scope+"%", name).Scan(&id, &div)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	h.PlaceID, h.DivisionCode = &id, div
	return nil
}

// splitTownVillage splits 金庭镇华堂村 into 金庭镇 and 华堂村.
func splitTownVillage(s string) (town, village string, ok bool) {
	for _, g := range []string{"街道", "镇", "乡"} {
		if i := strings.Index(s, g); i > 0 && i+len(g) < len(s) {
			return s[:i+len(g)], s[i+len(g):], true
		}
	}
	return "", "", false
}
