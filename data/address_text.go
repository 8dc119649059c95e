package data

import (
	"context"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/jackc/pgx/v5"
)

// retextRow is one live address under a renamed division, with what its
// text is made of.
type retextRow struct {
	id           int64
	divisionCode string
	street       string
	a            doorplate.Address
	fullText     string
	pinyin       string
}

// refreshAddressTexts rewrites, in tx, the full text and pinyin of the
// live addresses under the divisions codes (renamed in tx), from their
// division chains' current names, so that a plate shows the standard
// name from the day of the rename. Retired addresses keep the text they
// had. It returns how many addresses changed; the caller audits the
// rename with that count, and the plates' scan caches hear of it from
// the addresses' update trigger.
func refreshAddressTexts(ctx context.Context, tx pgx.Tx, codes []string) (int, error) {
	prefixes := make([]string, 0, len(codes))
	for _, c := range codes {
		prefixes = append(prefixes, diming.CodePrefix(c))
	}
	return retextAddresses(ctx, tx, `EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE starts_with(a.division_code, p))`, prefixes)
}

// retextAddresses rewrites the full text and pinyin of the live addresses
// that match where (with its one argument) from their components, with the
// readings in tx; it returns how many changed.
func retextAddresses(ctx context.Context, tx pgx.Tx, where string, arg any) (int, error) {
	z, err := romanizerIn(ctx, tx)
	if err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `SELECT a.id, a.division_code, coalesce(s.name, ''), a.area_name, coalesce(a.door_number, 0),
			a.door_suffix, a.building, a.unit, a.floor, a.room, a.full_text, a.pinyin
		FROM addresses a LEFT JOIN streets s ON s.id = a.street_id
		WHERE a.lifecycle <> 'retired' AND `+where, arg)
	if err != nil {
		return 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (retextRow, error) {
		var x retextRow
		err := r.Scan(&x.id, &x.divisionCode, &x.street, &x.a.AreaName, &x.a.DoorNumber, &x.a.DoorSuffix, &x.a.Building,
			&x.a.Unit, &x.a.Floor, &x.a.Room, &x.fullText, &x.pinyin)
		return x, err
	})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	chains := map[string][]doorplate.Division{}
	var changed [][]any
	for _, x := range list {
		chain, ok := chains[x.divisionCode]
		if !ok {
			chain, err = findDivisionChain(ctx, tx, x.divisionCode)
			switch {
			case diming.KindOf(err) == diming.Invalid:
				chain = nil // a retired division: its addresses keep their text until they move
			case err != nil:
				return 0, err
			}
			chains[x.divisionCode] = chain
		}
		if chain == nil {
			continue
		}
		comps := doorplate.Components(chain, x.street, x.a)
		if text, py := strings.Join(comps, ""), z.Address(comps); text != x.fullText || py != x.pinyin {
			changed = append(changed, []any{x.id, text, py})
		}
	}
	if len(changed) == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE retext (id bigint PRIMARY KEY, full_text text, pinyin text) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"retext"}, []string{"id", "full_text", "pinyin"}, pgx.CopyFromRows(changed)); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `UPDATE addresses a SET full_text = r.full_text, pinyin = r.pinyin, version = a.version + 1
		FROM retext r WHERE a.id = r.id`)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `DROP TABLE retext`)
	return int(tag.RowsAffected()), err
}

// retextAudited refreshes the addresses under codes and audits how many
// changed, as one entry for the division change entity names.
func retextAudited(ctx context.Context, tx pgx.Tx, codes []string, entity string) error {
	n, err := refreshAddressTexts(ctx, tx, codes)
	if err != nil {
		return translate("data.refreshAddressTexts", err)
	}
	if n == 0 {
		return nil
	}
	return audit(ctx, tx, Change{Action: "address.retext", Entity: "division", EntityID: entity,
		After: map[string]any{"renamed": codes, "addresses": n}, Reason: "division renamed: addresses take the new name"})
}
