package diming

import (
	"strconv"
	"strings"
	"time"
)

// NewUser is what it takes to create an account.
type NewUser struct {
	Username    string
	DisplayName string
	Password    string
	Roles       []Role
	Scope       string
}

// UserUpdate changes an account; nil fields stay as they are. Version must
// be the version the editor read.
type UserUpdate struct {
	DisplayName *string
	Roles       *[]Role
	Scope       *string
	Disabled    *bool
	Password    *string
	Version     int
}

// UserRecord is an account with its bookkeeping, as admins see it.
type UserRecord struct {
	User
	Disabled  bool
	CreatedAt time.Time
	Version   int
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// Validate checks a new account; it returns Invalid with the fields to fix.
func (u NewUser) Validate() error {
	fe := FieldErrors{}
	if len(u.Username) < 3 || len(u.Username) > 64 || strings.Trim(u.Username, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != "" {
		fe.Add("username", "use 3–64 lower-case letters, digits, '_', '.' or '-'")
	}
	if len(u.Password) < MinPasswordLen {
		fe.Add("password", "use at least 10 characters")
	}
	ValidateRoles(fe, u.Roles)
	ValidateScope(fe, u.Scope)
	return fe.Err("diming.NewUser")
}

func ValidateRoles(fe FieldErrors, roles []Role) {
	if len(roles) == 0 {
		fe.Add("roles", "give at least one role")
	}
	for _, r := range roles {
		if !ValidRole(r) {
			fe.Add("roles", "unknown role "+strconv.Quote(string(r)))
		}
	}
}

func ValidateScope(fe FieldErrors, scope string) {
	switch len(scope) {
	case 0, 6, 9, 12:
		if strings.Trim(scope, "0123456789") == "" {
			return
		}
	}
	fe.Add("scope", "a division code of 6, 9 or 12 digits, or empty for the whole country")
}
