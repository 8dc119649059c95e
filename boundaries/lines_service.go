package boundaries

import (
	"context"
	"time"

	"github.com/diming/diming"
)

// AuthorizeLine lets an inspector act on a line (markers, inspections)
// when either side lies in their scope; Unauthorized or Forbidden.
func AuthorizeLine(u *diming.User, l Line) error {
	err := diming.Authorize(u, diming.RoleInspector, l.LeftCode)
	if err != nil && diming.KindOf(err) == diming.Forbidden && u.Can(diming.RoleInspector, l.RightCode) {
		return nil
	}
	return err
}

func authorizeLine(ctx context.Context, l Line) error { return AuthorizeLine(diming.UserFrom(ctx), l) }

// DeriveLines computes boundary lines from the shared edges of
// neighbouring polygons of one level, within a tolerance; surveyed and
// imported lines are left alone.
func (s *Service) DeriveLines(ctx context.Context, opt DeriveOptions) (DeriveReport, error) {
	if err := opt.Valid(); err != nil {
		return DeriveReport{}, err
	}
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleInspector, opt.Within); err != nil {
		return DeriveReport{}, err
	}
	return s.store.DeriveLines(ctx, opt)
}

// Line returns one boundary line.
func (s *Service) Line(ctx context.Context, id int64) (Line, error) { return s.store.FindLine(ctx, id) }

// Lines lists boundary lines.
func (s *Service) Lines(ctx context.Context, f LineFilter) ([]Line, error) {
	if f.Limit <= 0 || f.Limit > MaxLinePage {
		f.Limit = 200
	}
	return s.store.FindLines(ctx, f)
}

// AddMarker places a marker on a line, numbering it by DOMAIN §2.5.
func (s *Service) AddMarker(ctx context.Context, lineID int64, m NewMarker) (Marker, error) {
	l, err := s.store.FindLine(ctx, lineID)
	if err != nil {
		return Marker{}, err
	}
	if err := authorizeLine(ctx, l); err != nil {
		return Marker{}, err
	}
	if l.Status == LineRetired {
		return Marker{}, diming.E("boundaries.AddMarker", diming.Invalid, "该界线已废止，不能再设界桩")
	}
	all, err := s.store.FindMarkers(ctx, lineID)
	if err != nil {
		return Marker{}, err
	}
	var siblings []Marker
	for _, x := range all {
		if x.Seq == m.Seq {
			siblings = append(siblings, x)
		}
	}
	if err := m.Validate(l, siblings); err != nil {
		return Marker{}, err
	}
	return s.store.CreateMarker(ctx, l, m)
}

// seesUnpublished reports whether the caller sees the markers of line l
// that are not public: the line's own inspectors (either side), the
// people who may edit them. Everyone else sees the public ones only.
func seesUnpublished(ctx context.Context, l Line) bool { return authorizeLine(ctx, l) == nil }

// visibleMarkers is ms as the caller may see them.
func visibleMarkers(ctx context.Context, l Line, ms []Marker) []Marker {
	if seesUnpublished(ctx, l) {
		return ms
	}
	out := make([]Marker, 0, len(ms))
	for _, m := range ms {
		if m.Public {
			out = append(out, m)
		}
	}
	return out
}

// Markers lists a line's markers in number order, as the caller may see
// them.
func (s *Service) Markers(ctx context.Context, lineID int64) ([]Marker, error) {
	l, err := s.store.FindLine(ctx, lineID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.FindMarkers(ctx, lineID)
	if err != nil {
		return nil, err
	}
	return visibleMarkers(ctx, l, ms), nil
}

// Marker returns one marker; NotFound for a marker that is not public
// unless the caller is one of its line's inspectors.
func (s *Service) Marker(ctx context.Context, id int64) (Marker, error) {
	m, err := s.store.FindMarker(ctx, id)
	if err != nil || m.Public {
		return m, err
	}
	l, err := s.store.FindLine(ctx, m.LineID)
	if err != nil {
		return Marker{}, err
	}
	if !seesUnpublished(ctx, l) {
		return Marker{}, diming.E("boundaries.Marker", diming.NotFound, "没有这个界桩")
	}
	return m, nil
}

// UpdateMarker edits a marker's description or status, never its position.
func (s *Service) UpdateMarker(ctx context.Context, id int64, up MarkerUpdate) (Marker, error) {
	cur, _, err := s.markerAndLine(ctx, id)
	if err != nil {
		return Marker{}, err
	}
	if err := up.Validate(cur); err != nil {
		return Marker{}, err
	}
	return s.store.UpdateMarker(ctx, id, up)
}

// MoveMarker records the agreement of every side and moves the marker.
func (s *Service) MoveMarker(ctx context.Context, id int64, mv Move) (Marker, error) {
	cur, l, err := s.markerAndLine(ctx, id)
	if err != nil {
		return Marker{}, err
	}
	if err := mv.Validate(l); err != nil {
		return Marker{}, err
	}
	mv.MarkerID, mv.From = id, cur.Position
	mv.CreatedBy = diming.UserFrom(ctx).Username
	return s.store.MoveMarker(ctx, id, mv)
}

func (s *Service) markerAndLine(ctx context.Context, id int64) (Marker, Line, error) {
	m, err := s.store.FindMarker(ctx, id)
	if err != nil {
		return Marker{}, Line{}, err
	}
	l, err := s.store.FindLine(ctx, m.LineID)
	if err != nil {
		return Marker{}, Line{}, err
	}
	return m, l, authorizeLine(ctx, l)
}

// RecordInspection records a joint inspection of a line in the round its
// day falls in; one record per line and round.
func (s *Service) RecordInspection(ctx context.Context, lineID int64, n NewInspection) (Inspection, error) {
	l, err := s.store.FindLine(ctx, lineID)
	if err != nil {
		return Inspection{}, err
	}
	if err := authorizeLine(ctx, l); err != nil {
		return Inspection{}, err
	}
	markers, err := s.store.FindMarkers(ctx, lineID)
	if err != nil {
		return Inspection{}, err
	}
	if err := n.Validate(markers, s.Now()); err != nil {
		return Inspection{}, err
	}
	return s.store.CreateInspection(ctx, lineID, RoundOf(n.InspectedOn), n)
}

// LatestInspection returns a line's latest inspection, or nil.
func (s *Service) LatestInspection(ctx context.Context, lineID int64) (*Inspection, error) {
	return s.store.LatestInspection(ctx, lineID)
}

// Inspection returns one inspection with its marker checks.
func (s *Service) Inspection(ctx context.Context, id int64) (Inspection, error) {
	return s.store.FindInspection(ctx, id)
}

// SignInspection signs an inspection off for one side (a division code of
// the line); AuthorizeSignature decides who may.
func (s *Service) SignInspection(ctx context.Context, id int64, side string, version int) (Inspection, error) {
	in, err := s.store.FindInspection(ctx, id)
	if err != nil {
		return Inspection{}, err
	}
	l, err := s.store.FindLine(ctx, in.LineID)
	if err != nil {
		return Inspection{}, err
	}
	u := diming.UserFrom(ctx)
	if err := AuthorizeSignature(u, l, in, side); err != nil {
		return Inspection{}, err
	}
	return s.store.SignInspection(ctx, id, side == l.LeftCode, u.Username, version)
}

// OverdueLines lists the current lines within a division whose last
// complete joint inspection is more than five years before asOf, or that
// were never inspected.
func (s *Service) OverdueLines(ctx context.Context, within string, asOf time.Time) ([]OverdueLine, error) {
	if asOf.IsZero() {
		asOf = s.Now()
	}
	return s.store.FindOverdueLines(ctx, within, asOf.AddDate(-InspectionCycle, 0, 0))
}

// Export gathers a line, or every line of a division, with markers and
// latest inspection, for the GeoJSON and KML encoders. Anyone may export;
// a marker that is not public is in the export only for a signed-in
// inspector of its line (the caller's scope decides, line by line).
func (s *Service) Export(ctx context.Context, lineID int64, division string) ([]LineExport, error) {
	var lines []Line
	if lineID != 0 {
		l, err := s.store.FindLine(ctx, lineID)
		if err != nil {
			return nil, err
		}
		lines = []Line{l}
	} else {
		if LevelOfCode(division) == 0 {
			return nil, diming.E("boundaries.Export", diming.Invalid, map[string]string{"division": "请给出界线编号或行政区划代码"})
		}
		var err error
		if lines, err = s.store.FindLines(ctx, LineFilter{Code: division, Limit: 5000}); err != nil {
			return nil, err
		}
	}
	out := make([]LineExport, 0, len(lines))
	for _, l := range lines {
		ms, err := s.store.FindMarkers(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		in, err := s.store.LatestInspection(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, LineExport{Line: l, Markers: visibleMarkers(ctx, l, ms), Inspection: in})
	}
	return out, nil
}
