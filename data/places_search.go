package data

import (
	"context"
	"fmt"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
)

// customPlan makes a query planned with its parameters every time: a
// cached generic plan cannot use a prefix index for LIKE $1.
const customPlan = pgx.QueryExecModeExec

// autocompleteRanks are the values of places.rank (gazetteer.Place.Rank).
var autocompleteRanks = []int32{1, 2, 3, 4, 6, 7, 11, 12, 13, 14, 16, 17}

// hitCols reads a hit from places p, with the current successor of a
// historical name from places c.
const hitCols = `p.id, p.name, p.romanization, p.category, p.division_code, p.status,
	c.id, c.name, c.romanization, c.category, c.division_code, c.status`

const successorJoin = ` LEFT JOIN places c ON p.superseded_by IS NOT NULL AND c.id = place_current(p.id)`

// scanHits reads hits; before and extra add destinations for columns
// before and after the hit's own.
func scanHits(rows pgx.Rows, op string, extra, before func(*gazetteer.Hit) []any) ([]gazetteer.Hit, error) {
	defer rows.Close()
	var out []gazetteer.Hit
	for rows.Next() {
		var h gazetteer.Hit
		var cat int16
		var st string
		var cid *int64
		var cname, crom, cdiv, cst *string
		var ccat *int16
		dst := []any{&h.ID, &h.Name, &h.Romanization, &cat, &h.DivisionCode, &st, &cid, &cname, &crom, &ccat, &cdiv, &cst}
		if before != nil {
			dst = append(before(&h), dst...)
		}
		if extra != nil {
			dst = append(dst, extra(&h)...)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, translate(op, err)
		}
		h.Category, h.Status = gazetteer.Category(cat), gazetteer.Status(st)
		if cid != nil {
			h.Current = &gazetteer.PlaceRef{ID: *cid, Name: *cname, Romanization: *crom, Category: gazetteer.Category(*ccat),
				DivisionCode: *cdiv, Status: gazetteer.Status(*cst)}
		}
		out = append(out, h)
	}
	return out, translate(op, rows.Err())
}

// wholeMatch is true when the query (parameter q) is the whole name or
// its whole specific part, in characters, pinyin or initials: sx is 绍兴市
// (the specific 绍兴) rather than one of the many names whose initials
// merely start with sx. Both searches rank by it first.
func wholeMatch(q string) string {
	return `(p.name = ` + q + ` OR p.specific = ` + q + ` OR left(p.initials, char_length(p.specific)) = ` + q + ` OR
		replace(array_to_string((string_to_array(p.sound, ' '))[1:char_length(p.specific)], ''), ' ', '') = ` + q + `)`
}

// prefixRank orders names that start with the query by rank (divisions
// top-down first) and leaves the others, typos, to their similarity.
func prefixRank(isPrefix string) string {
	return "CASE WHEN " + isPrefix + " THEN p.rank END"
}

// Autocomplete returns up to limit names starting with q: by characters,
// or by full pinyin and initials for latin input, ordered divisions first
// (top level down), then shorter names. When prefixes find too few, names
// that sound the same (key) and then trigram-similar names fill the list.
func (db *DB) Autocomplete(ctx context.Context, q, key string, limit int) ([]gazetteer.Hit, error) {
	const op = "data.Autocomplete"
	// Each branch takes more than limit per rank so that exact matches of
	// the specific part (sx → 绍兴市 over 寿县) survive the final order.
	args := []any{likePrefix(q), limit, q, 3 * limit, autocompleteRanks}
	branch := func(col string, m int, pattern string) string {
		return fmt.Sprintf(`(SELECT x.id, %d AS m FROM unnest($5::int[]) r, LATERAL (SELECT id FROM places
			WHERE rank = r AND %s LIKE %s ORDER BY %s USING ~<~ LIMIT $4) x)`, m, col, pattern, col)
	}
	var branches []string
	if gazetteer.IsLatin(q) {
		branches = append(branches, branch("pinyin", 1, "$1"), branch("initials", 2, "$1"))
	} else {
		branches = append(branches, branch("name", 1, "$1"))
		if key != "" {
			args = append(args, likePrefix(key))
			branches = append(branches, branch("pinyin", 3, "$6"))
		}
	}
	sql := `WITH c AS (SELECT id, min(m) AS m FROM (` + strings.Join(branches, " UNION ALL ") + `) u GROUP BY id)
		SELECT ` + hitCols + `, CASE x.m WHEN 1 THEN 'prefix' WHEN 2 THEN 'initials' ELSE 'sound' END
		FROM c x JOIN places p ON p.id = x.id` + successorJoin + `
		ORDER BY ` + wholeMatch("$3") + ` DESC, x.m = 3, p.rank, length(p.name), p.name LIMIT $2`
	rows, err := db.reader(ctx, "").Query(ctx, sql, append([]any{customPlan}, args...)...)
	if err != nil {
		return nil, translate(op, err)
	}
	hits, err := scanHits(rows, op, func(h *gazetteer.Hit) []any { return []any{&h.Match} }, nil)
	if err != nil || len(hits) > 0 {
		return hits, err
	}
	return db.fuzzy(ctx, q, limit)
}

// fuzzy returns names similar to q by trigrams (typo tolerance).
func (db *DB) fuzzy(ctx context.Context, q string, limit int) ([]gazetteer.Hit, error) {
	col := "name"
	if gazetteer.IsLatin(q) {
		col = "pinyin"
	}
	rows, err := db.reader(ctx, "").Query(ctx, `SELECT `+hitCols+` FROM (SELECT id FROM places WHERE `+col+` % $1
		ORDER BY similarity(`+col+`, $1) DESC, rank LIMIT $2) x JOIN places p ON p.id = x.id`+successorJoin+`
		ORDER BY similarity(p.`+col+`, $1) DESC, p.rank`, customPlan, q, limit)
	if err != nil {
		return nil, translate("data.fuzzy", err)
	}
	hits, err := scanHits(rows, "data.fuzzy", nil, nil)
	for i := range hits {
		hits[i].Match = "fuzzy"
	}
	return hits, err
}

// SearchPlaces finds names by query (characters, pinyin, initials,
// same sound, trigram similarity), category, division and distance.
func (db *DB) SearchPlaces(ctx context.Context, f gazetteer.Filter) ([]gazetteer.Hit, error) {
	const op = "data.SearchPlaces"
	var where []string
	args := []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	order := []string{}
	if f.Query != "" {
		q, pre := arg(f.Query), arg(likePrefix(f.Query))
		if gazetteer.IsLatin(f.Query) {
			where = append(where, fmt.Sprintf("(p.pinyin LIKE %s OR p.initials LIKE %s OR p.pinyin %% %s)", pre, pre, q))
			order = append(order, fmt.Sprintf("%s DESC, (p.pinyin = %s OR p.initials = %s) DESC, p.pinyin LIKE %s DESC, %s, similarity(p.pinyin, %s) DESC",
				wholeMatch(q), q, q, pre, prefixRank("p.pinyin LIKE "+pre+" OR p.initials LIKE "+pre), q))
		} else {
			cond := fmt.Sprintf("p.name LIKE %s OR p.name %% %s", pre, q)
			if f.Key != "" {
				cond += fmt.Sprintf(" OR p.pinyin = %s", arg(f.Key))
			}
			where = append(where, "("+cond+")")
			order = append(order, fmt.Sprintf("p.name = %s DESC, %s DESC, p.name LIKE %s DESC, %s, similarity(p.name, %s) DESC",
				q, wholeMatch(q), pre, prefixRank("p.name LIKE "+pre), q))
		}
	}
	if f.Category != 0 {
		where = append(where, "p.category = "+arg(int16(f.Category)))
	}
	if f.DivisionCode != "" {
		where = append(where, "p.division_code LIKE "+arg(likePrefix(diming.CodePrefix(f.DivisionCode))))
	}
	if !f.Historical {
		where = append(where, "p.status = 'current'")
	}
	dist := "NULL::float8"
	if f.Near != nil {
		pt := fmt.Sprintf("ST_SetSRID(ST_MakePoint(%s, %s), 4490)", arg(f.Near.Lon), arg(f.Near.Lat))
		where = append(where, fmt.Sprintf("ST_DWithin(p.geom::geography, %s::geography, %s)", pt, arg(f.Near.Radius)))
		dist = fmt.Sprintf("ST_Distance(p.geom::geography, %s::geography)", pt)
		order = append([]string{"p.geom <-> " + pt}, order...)
	}
	order = append(order, "p.rank", "length(p.name)", "p.id")
	sql := `SELECT ` + hitCols + `, ` + dist + ` FROM places p` + successorJoin
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY " + strings.Join(order, ", ") + fmt.Sprintf(" LIMIT %s OFFSET %s", arg(f.Limit), arg(f.Offset))
	rows, err := db.reader(ctx, "").Query(ctx, sql, append([]any{customPlan}, args...)...)
	if err != nil {
		return nil, translate(op, err)
	}
	return scanHits(rows, op, func(h *gazetteer.Hit) []any { return []any{&h.Distance} }, nil)
}
