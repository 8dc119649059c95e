package web

import (
	"context"
	"net/http"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/labstack/echo/v4"
)

type checkDTO struct {
	MarkerID    int64  `json:"marker_id"`
	Number      string `json:"number,omitempty"`
	Status      string `json:"status"`
	Findings    string `json:"findings"`
	Remediation string `json:"remediation"`
}

type inspectionDTO struct {
	ID            int64      `json:"id"`
	LineID        int64      `json:"line_id"`
	Round         int        `json:"round"`
	InspectedOn   string     `json:"inspected_on"`
	Findings      string     `json:"findings"`
	Remediation   string     `json:"remediation"`
	LeftSignedBy  string     `json:"left_signed_by,omitempty"`
	LeftSignedAt  *time.Time `json:"left_signed_at,omitempty"`
	RightSignedBy string     `json:"right_signed_by,omitempty"`
	RightSignedAt *time.Time `json:"right_signed_at,omitempty"`
	Complete      bool       `json:"complete"`
	Checks        []checkDTO `json:"checks"`
	Version       int        `json:"version"`
}

func toInspectionDTO(in boundaries.Inspection) inspectionDTO {
	d := inspectionDTO{ID: in.ID, LineID: in.LineID, Round: in.Round, InspectedOn: in.InspectedOn.Format(time.DateOnly),
		Findings: in.Findings, Remediation: in.Remediation, LeftSignedBy: in.LeftSignedBy, LeftSignedAt: in.LeftSignedAt,
		RightSignedBy: in.RightSignedBy, RightSignedAt: in.RightSignedAt, Complete: in.Complete(), Checks: []checkDTO{}, Version: in.Version}
	for _, c := range in.Checks {
		d.Checks = append(d.Checks, checkDTO(c))
	}
	return d
}

type inspectionRequest struct {
	InspectedOn string     `json:"inspected_on"`
	Findings    string     `json:"findings"`
	Remediation string     `json:"remediation"`
	Checks      []checkDTO `json:"checks"`
}

func (r inspectionRequest) Parse(context.Context) (boundaries.NewInspection, map[string]string) {
	n := boundaries.NewInspection{Findings: r.Findings, Remediation: r.Remediation}
	for _, ch := range r.Checks {
		n.Checks = append(n.Checks, boundaries.MarkerCheck(ch))
	}
	var err error
	if n.InspectedOn, err = time.Parse(time.DateOnly, r.InspectedOn); err != nil {
		return n, map[string]string{"inspected_on": "the day of the field check, YYYY-MM-DD"}
	}
	return n, nil
}

func handleInspectionCreate(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		n, err := decodeCommand[inspectionRequest](c)
		if err != nil {
			return err
		}
		in, err := svc.RecordInspection(c.Request().Context(), id, n)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toInspectionDTO(in))
	}
}

func handleInspectionGet(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		in, err := svc.Inspection(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toInspectionDTO(in))
	}
}

type signRequest struct {
	Side    string `json:"side"`
	Version int    `json:"version"`
}

func (r signRequest) Valid(context.Context) map[string]string {
	fe := map[string]string{}
	if r.Side == "" {
		fe["side"] = "the division code of the side you sign for"
	}
	if r.Version < 1 {
		fe["version"] = diming.MsgVersion
	}
	return fe
}

func handleInspectionSign(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := decodeValid[signRequest](c)
		if err != nil {
			return err
		}
		in, err := svc.SignInspection(c.Request().Context(), id, r.Side, r.Version)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toInspectionDTO(in))
	}
}
