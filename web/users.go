package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/sharing"
	"github.com/labstack/echo/v4"
)

// UserAdmin is what account administration needs from storage.
type UserAdmin interface {
	CreateUser(ctx context.Context, nu diming.NewUser) (diming.UserRecord, error)
	FindUserByID(ctx context.Context, id int64) (diming.UserRecord, error)
	FindUsers(ctx context.Context, scope string) ([]diming.UserRecord, error)
	UpdateUser(ctx context.Context, id int64, up diming.UserUpdate) (diming.UserRecord, error)
	CreateToken(ctx context.Context, userID int64, name string) (string, error)
	CreateGradedToken(ctx context.Context, userID int64, name string, grade diming.Grade) (string, error)
	FindTokens(ctx context.Context, f diming.TokenFilter) ([]diming.TokenInfo, error)
	FindTokenByID(ctx context.Context, id int64) (diming.TokenInfo, error)
	RevokeToken(ctx context.Context, id int64) (diming.TokenInfo, error)
	FindAuditTrail(ctx context.Context, entity, id string) ([]diming.AuditEntry, error)
	AuditDivisions(ctx context.Context, entity, id string) ([]string, error)
}

type userDTO struct {
	ID          int64    `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Scope       string   `json:"scope"`
	Department  string   `json:"department,omitempty"`
	Grade       string   `json:"grade,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
	Version     int      `json:"version,omitempty"`
}

func toUserDTO(u *diming.User) userDTO {
	d := userDTO{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Scope: u.Scope, Roles: []string{},
		Department: u.Department, Grade: string(u.Grade)}
	for _, r := range u.Roles {
		d.Roles = append(d.Roles, string(r))
	}
	return d
}

func toUserRecordDTO(u diming.UserRecord) userDTO {
	d := toUserDTO(&u.User)
	d.Disabled, d.Version = u.Disabled, u.Version
	return d
}

type userCreateRequest struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Password    string   `json:"password"`
	Roles       []string `json:"roles"`
	Scope       string   `json:"scope"`
	Department  string   `json:"department"`
	Grade       string   `json:"grade"`
}

// Parse builds the new account and checks it once (diming.NewUser.Validate
// is the one rule for accounts).
func (r userCreateRequest) Parse(context.Context) (diming.NewUser, map[string]string) {
	nu := diming.NewUser{Username: r.Username, DisplayName: r.DisplayName, Password: r.Password, Scope: r.Scope,
		Department: r.Department, Grade: diming.Grade(r.Grade)}
	for _, x := range r.Roles {
		nu.Roles = append(nu.Roles, diming.Role(x))
	}
	return nu, fieldsOf(nu.Validate())
}

func handleUserCreate(store UserAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		nu, err := decodeCommand[userCreateRequest](c)
		if err != nil {
			return err
		}
		// An admin creates accounts only inside their own scope; only a
		// national admin creates national accounts.
		if err := diming.Authorize(currentUser(c), diming.RoleAdmin, nu.Scope); err != nil {
			return err
		}
		u, err := store.CreateUser(c.Request().Context(), nu)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toUserRecordDTO(u))
	}
}

func handleUsersList(store UserAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		if !u.Has(diming.RoleAdmin) {
			return diming.E("web.users", diming.Forbidden, "此操作需要“管理员”角色")
		}
		users, err := store.FindUsers(c.Request().Context(), u.Scope)
		if err != nil {
			return err
		}
		out := make([]userDTO, 0, len(users))
		for _, x := range users {
			out = append(out, toUserRecordDTO(x))
		}
		return c.JSON(http.StatusOK, map[string]any{"users": out})
	}
}

type userUpdateRequest struct {
	DisplayName *string   `json:"display_name"`
	Roles       *[]string `json:"roles"`
	Scope       *string   `json:"scope"`
	Disabled    *bool     `json:"disabled"`
	Password    *string   `json:"password"`
	Department  *string   `json:"department"`
	Grade       *string   `json:"grade"`
	Version     int       `json:"version"`
}

func (r userUpdateRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.Version < 1 {
		p["version"] = diming.MsgVersion
	}
	if r.Grade != nil && !diming.Grade(*r.Grade).Valid() {
		p["grade"] = "数据等级须为 public、internal 或 sensitive"
	}
	return p
}

func handleUserUpdate(store UserAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil {
			return diming.E("web.users", diming.Invalid, "用户编号必须是数字")
		}
		req, err := decodeValid[userUpdateRequest](c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		target, err := store.FindUserByID(ctx, id)
		if err != nil {
			return err
		}
		actor := currentUser(c)
		if err := diming.Authorize(actor, diming.RoleAdmin, target.Scope); err != nil {
			return err
		}
		up := diming.UserUpdate{DisplayName: req.DisplayName, Scope: req.Scope, Disabled: req.Disabled, Password: req.Password,
			Department: req.Department, Version: req.Version}
		if req.Grade != nil {
			g := diming.Grade(*req.Grade)
			if err := authorizeGrade(actor, target.Grade, g); err != nil {
				return err
			}
			up.Grade = &g
		}
		if req.Scope != nil {
			if err := diming.Authorize(actor, diming.RoleAdmin, *req.Scope); err != nil {
				return err
			}
		}
		if req.Roles != nil {
			roles := make([]diming.Role, 0, len(*req.Roles))
			for _, r := range *req.Roles {
				roles = append(roles, diming.Role(r))
			}
			up.Roles = &roles
		}
		u, err := store.UpdateUser(ctx, id, up)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toUserRecordDTO(u))
	}
}

// authorizeGrade refuses an admin a grade change above their own grade:
// neither giving a grade they do not hold nor changing an account graded
// above them (Forbidden).
func authorizeGrade(admin *diming.User, from, to diming.Grade) error {
	own := sharing.CallerGrade(admin, admin.Scope)
	if from == "" {
		from = diming.GradeInternal
	}
	for _, g := range []diming.Grade{from, to} {
		if !own.Allows(g) {
			return &diming.Error{Op: "web.users", Kind: diming.Forbidden, Fields: map[string]string{"grade": "不能高于你自己的等级 " + string(own)},
				Msg: fmt.Sprintf("你的数据等级是“%s”，不能授予或改动“%s”等级的账号", own.Label(), g.Label())}
		}
	}
	return nil
}

type tokenRequest struct {
	Name string `json:"name"`
	// Grade narrows what the token reads ("" for its user's grade).
	Grade diming.Grade `json:"grade"`
}

func (r tokenRequest) Valid(context.Context) map[string]string {
	if r.Name == "" {
		return map[string]string{"name": "必填：说明令牌给哪个脚本用"}
	}
	return nil
}

func handleTokenCreate(store UserAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		req, err := decodeValid[tokenRequest](c)
		if err != nil {
			return err
		}
		tok, err := store.CreateGradedToken(c.Request().Context(), u.ID, req.Name, req.Grade)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]string{"token": tok, "note": "令牌只显示这一次，请立即妥善保存"})
	}
}

// tokenDTO is an API token as listed: never the secret itself.
type tokenDTO struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	UserID     int64      `json:"user_id"`
	Username   string     `json:"username"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func toTokenDTO(t diming.TokenInfo) tokenDTO {
	return tokenDTO{ID: t.ID, Name: t.Name, UserID: t.UserID, Username: t.Username, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// handleTokenList lists the caller's own API tokens; with ?all=true an
// admin lists those of every user in their scope.
func handleTokenList(store UserAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		f := diming.TokenFilter{UserID: u.ID, Scope: u.Scope}
		switch c.QueryParam("all") {
		case "", "false":
		case "true":
			if err := diming.Authorize(u, diming.RoleAdmin, u.Scope); err != nil {
				return err
			}
			f.UserID = 0
		default:
			return diming.E("web.tokens", diming.Invalid, map[string]string{"all": "填 true 或 false"})
		}
		ts, err := store.FindTokens(c.Request().Context(), f)
		if err != nil {
			return err
		}
		out := make([]tokenDTO, 0, len(ts))
		for _, t := range ts {
			out = append(out, toTokenDTO(t))
		}
		return c.JSON(http.StatusOK, map[string]any{"tokens": out})
	}
}

// handleTokenRevoke revokes a token: the caller's own, or, for an admin,
// one of a user in their scope.
func handleTokenRevoke(store UserAdmin) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		id, err := pathID(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		t, err := store.FindTokenByID(ctx, id)
		if err != nil {
			return err
		}
		if t.UserID != u.ID {
			if err := diming.Authorize(u, diming.RoleAdmin, t.UserScope); err != nil {
				// Another scope's tokens are not there for this caller.
				return diming.E("web.tokens", diming.NotFound, "没有这个令牌")
			}
		}
		if t, err = store.RevokeToken(ctx, id); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toTokenDTO(t))
	}
}

// auditEntryDTO is one audit row as the API answers it. Before and After
// are the record's JSON snapshots, with personal numbers as the caller may
// see them.
type auditEntryDTO struct {
	ID        int64           `json:"id"`
	At        string          `json:"at"`
	Actor     string          `json:"actor"`
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
	Reason    string          `json:"reason,omitempty"`
}

// auditTrailDTO is GET /audit/:entity/:id.
type auditTrailDTO struct {
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Entries  []auditEntryDTO `json:"entries"`
}

// auditReadRole is who reads a kind of record's trail besides its scope:
// accounts and their tokens are for admins (as the user list is), marker
// records (whose positions may not be public) for the lines' inspectors;
// every other record for staff of any role whose scope covers it.
func auditReadRole(entity string) (diming.Role, bool) {
	switch entity {
	case "user", "api_token", "login":
		return diming.RoleAdmin, true
	case "boundary_marker":
		return diming.RoleInspector, true
	}
	return "", false
}

// authorizeAudit applies the scope rule writes use to the divisions the
// record lies in (either side of a boundary line will do).
func authorizeAudit(u *diming.User, entity string, codes []string) error {
	var err error
	for _, code := range codes {
		if role, ok := auditReadRole(entity); ok {
			err = diming.Authorize(u, role, code)
		} else {
			err = diming.AuthorizeIn(u, code)
		}
		if err == nil {
			return nil
		}
	}
	return err
}

func handleAuditGet(store UserAdmin, policy doorplate.PhonePolicy, logAccess func(context.Context, []sharing.Read) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		entity, id := c.Param("entity"), c.Param("id")
		codes, err := store.AuditDivisions(ctx, entity, id)
		if err != nil {
			return err
		}
		if err := authorizeAudit(u, entity, codes); err != nil {
			return err
		}
		// Snapshots show what the caller's grade allows of the record
		// (sharing decides; personal numbers the scan page's way).
		division := codes[0]
		for _, code := range codes {
			if u.InScope(code) {
				division = code
				break
			}
		}
		trail, err := store.FindAuditTrail(ctx, entity, id)
		if err != nil {
			return err
		}
		out := auditTrailDTO{Entity: entity, EntityID: id, Entries: make([]auditEntryDTO, 0, len(trail))}
		var shown []string
		for _, e := range trail {
			d := auditEntryDTO{ID: e.ID, At: e.At, Actor: e.Actor, RequestID: e.RequestID, Action: e.Action, Reason: e.Reason}
			var s1, s2 []string
			d.Before, s1 = sharing.MaskSnapshot(e.Before, entity, division, u, policy)
			d.After, s2 = sharing.MaskSnapshot(e.After, entity, division, u, policy)
			shown = append(append(shown, s1...), s2...)
			out.Entries = append(out.Entries, d)
		}
		if len(shown) > 0 && logAccess != nil {
			slices.Sort(shown)
			if err := logAccess(ctx, []sharing.Read{{Entity: entity, EntityID: id, Fields: slices.Compact(shown)}}); err != nil {
				return err
			}
		}
		return c.JSON(http.StatusOK, out)
	}
}

// phonePolicy is how personal numbers show to those who may not see them
// as stored: the scan page's policy, masked when there is no doorplate
// service.
func phonePolicy(d Deps) doorplate.PhonePolicy {
	if d.Doorplate == nil {
		return doorplate.PhoneMask
	}
	return d.Doorplate.PhonePolicy()
}

// accessLogger is how the audit trail logs reads of sensitive fields: the
// sharing store's access log, or nothing without one (tests of accounts
// alone).
func accessLogger(d Deps) func(context.Context, []sharing.Read) error {
	if d.Sharing == nil {
		return nil
	}
	return d.Sharing.LogAccess
}
