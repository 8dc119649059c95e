package diming

import (
	"context"
	"strings"
)

// Role is what a user may do. A user holds one or more roles, all limited
// to one division (Scope).
type Role string

// The roles of DOMAIN.md: who drafts, reviews, approves and maintains.
const (
	RoleAdmin          Role = "admin"           // manages users and word lists in the scope
	RoleCommittee      Role = "committee"       // naming-committee member: drafts and takes in proposals
	RoleExpert         Role = "expert"          // writes expert reviews
	RoleApprover       Role = "approver"        // approves or denies, files and announces
	RoleInspector      Role = "inspector"       // boundary inspector: lines, markers, joint inspections
	RoleCommunityAdmin Role = "community_admin" // grids, grid workers and contacts of a community
	RoleDepartment     Role = "department"      // a department's account: links its records to addresses
)

// Label is the role's name as users read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "管理员"
	case RoleCommittee:
		return "地名委员会委员"
	case RoleExpert:
		return "专家"
	case RoleApprover:
		return "审批人"
	case RoleInspector:
		return "界线联检员"
	case RoleCommunityAdmin:
		return "社区管理员"
	case RoleDepartment:
		return "部门用户"
	}
	return string(r)
}

// Roles lists every role, for validation and the admin UI.
var Roles = []Role{RoleAdmin, RoleCommittee, RoleExpert, RoleApprover, RoleInspector, RoleCommunityAdmin, RoleDepartment}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is an account as the rest of the system sees it: no secrets.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Roles       []Role
	// Scope is the division code the user acts in ("" for the whole
	// country). A user of one county cannot act in another.
	Scope string
	// Department is the department the account belongs to ("" for the
	// bureau's own staff); Grade the highest data grade it reads (an API
	// token may narrow it). Both are read by sharing.CallerGrade.
	Department string
	Grade      Grade
	// TokenID is the API token the caller signed in with (0 for a
	// session); the access log records it.
	TokenID int64
}

// Has reports whether u holds role r. Admins hold every role in their scope.
func (u *User) Has(r Role) bool {
	if u == nil {
		return false
	}
	for _, x := range u.Roles {
		if x == r || x == RoleAdmin {
			return true
		}
	}
	return false
}

// InScope reports whether division code lies within the user's scope.
func (u *User) InScope(code string) bool {
	if u == nil {
		return false
	}
	return strings.HasPrefix(code, CodePrefix(u.Scope))
}

// Can reports whether u holds role r and code lies within u's scope.
func (u *User) Can(r Role, code string) bool { return u.Has(r) && u.InScope(code) }

// Authorize returns nil when u may act as r on division code, an
// Unauthorized error for anonymous users, and Forbidden otherwise.
func Authorize(u *User, r Role, code string) error {
	if u != nil && !u.Has(r) {
		return Errorf(Forbidden, "这项操作需要“%s”角色（%s）", r.Label(), r)
	}
	return AuthorizeIn(u, code)
}

// AuthorizeIn is the scope half of Authorize, for reads open to staff of
// any role: nil when division code lies within u's scope, Unauthorized
// for anonymous users, Forbidden otherwise.
func AuthorizeIn(u *User, code string) error {
	switch {
	case u == nil:
		return &Error{Kind: Unauthorized, Msg: "请先登录"}
	case !u.InScope(code):
		if code == "" {
			return Errorf(Forbidden, "只有全国范围的用户可以查看；你的管辖范围是 %s", u.Scope)
		}
		return Errorf(Forbidden, "区划 %s 不在你的管辖范围 %s 内", code, u.Scope)
	}
	return nil
}

// IsDivisionCode reports whether s has the shape of a division code: 6
// (county and above), 9 (township) or 12 (village) digits.
func IsDivisionCode(s string) bool {
	if len(s) != 6 && len(s) != 9 && len(s) != 12 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// CodePrefix returns the significant prefix of a division code: the part
// every descendant's code starts with. 330000→"33", 330600→"3306",
// 330602→"330602", 330602001→"330602001", 330602001000→"330602001".
func CodePrefix(code string) string {
	switch len(code) {
	case 6:
		switch {
		case strings.HasSuffix(code, "0000"):
			return code[:2]
		case strings.HasSuffix(code, "00"):
			return code[:4]
		}
		return code
	case 12:
		switch {
		case strings.HasSuffix(code, "0000000000"):
			return code[:2]
		case strings.HasSuffix(code, "00000000"):
			return code[:4]
		case strings.HasSuffix(code, "000000"):
			return code[:6]
		case strings.HasSuffix(code, "000"):
			return code[:9]
		}
	}
	return code
}

type ctxKey int

const (
	userKey ctxKey = iota
	requestIDKey
)

// WithUser returns a context carrying the acting user; the data layer
// reads it to attribute audit rows.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFrom returns the acting user, or nil for anonymous requests.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}

// WithRequestID returns a context carrying the request ID for audit rows.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFrom returns the request ID, or "".
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}
