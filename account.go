package diming

import (
	"fmt"
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
	Department  string // "" for the bureau's staff
	Grade       Grade  // "" for internal
}

// UserUpdate changes an account; nil fields stay as they are. Version must
// be the version the editor read.
type UserUpdate struct {
	DisplayName *string
	Roles       *[]Role
	Scope       *string
	Disabled    *bool
	Password    *string
	// Department ("" to clear) and Grade change what the account reads.
	Department *string
	Grade      *Grade
	Version    int
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
		fe.Add("username", "用户名为 3–64 个小写字母、数字、“_”“.”或“-”")
	}
	if len(u.Password) < MinPasswordLen {
		fe.Add("password", "密码至少 10 个字符")
	}
	ValidateRoles(fe, u.Roles)
	ValidateScope(fe, u.Scope)
	if u.Grade != "" && !u.Grade.Valid() {
		fe.Add("grade", "数据等级须为 public、internal 或 sensitive")
	}
	return fe.Err("diming.NewUser")
}

func ValidateRoles(fe FieldErrors, roles []Role) {
	if len(roles) == 0 {
		fe.Add("roles", "请至少选择一个角色")
	}
	for _, r := range roles {
		if !ValidRole(r) {
			fe.Add("roles", "未知角色 "+strconv.Quote(string(r)))
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
	fe.Add("scope", "管辖范围为 6、9 或 12 位行政区划代码；全国范围留空")
}

// LoginPolicy is how sign-in failures are throttled, per account and per
// client address. Failures within Window count; reaching the limit locks
// the account (or address) for BaseLock, and each further lock-out doubles
// the time, up to MaxLock. While locked, even the right password is
// refused. The counts live in the database, so every server instance
// applies the same limits.
type LoginPolicy struct {
	AccountFailures int
	AddressFailures int
	Window          time.Duration
	BaseLock        time.Duration
	MaxLock         time.Duration
	// Forget is how long after its last failure an account or address
	// starts again from the first lock-out.
	Forget time.Duration
}

// DefaultLoginPolicy locks an account after 5 failures in 15 minutes and
// an address after 20, for 1, 2, 4 … up to 60 minutes.
func DefaultLoginPolicy() LoginPolicy {
	return LoginPolicy{AccountFailures: 5, AddressFailures: 20, Window: 15 * time.Minute,
		BaseLock: time.Minute, MaxLock: time.Hour, Forget: 24 * time.Hour}
}

// LockFor is how long the lock-out after lockouts earlier ones lasts.
func (p LoginPolicy) LockFor(lockouts int) time.Duration {
	d := p.BaseLock
	for i := 0; i < lockouts && d < p.MaxLock; i++ {
		d *= 2
	}
	return min(d, p.MaxLock)
}

// LoginAttempt is one try at a password: a sign-in or the check of the
// current password before a change. Addr is the client address as the
// trusted-proxy rule determined it.
type LoginAttempt struct {
	Username string
	Password string
	Addr     string
}

// Locked is carried by the TooMany error of a locked account or address;
// Until is when to try again.
type Locked struct {
	Until   time.Time
	Address bool // the client address is locked, not the account
}

func (l *Locked) Error() string { return "locked until " + l.Until.UTC().Format(time.RFC3339) }

// LockedMessage is what a person reads when sign-in is locked: until when
// (Beijing time) and roughly how long.
func LockedMessage(l Locked, now time.Time) string {
	mins := int(l.Until.Sub(now).Minutes()) + 1
	who := "该账号"
	if l.Address {
		who = "来自您所在网络地址的登录"
	}
	beijing := time.FixedZone("CST", 8*3600) // a fixed zone needs no tzdata
	return fmt.Sprintf("登录失败次数过多，%s已暂时锁定；请在北京时间 %s 之后（约 %d 分钟后）再试", who, l.Until.In(beijing).Format("15:04:05"), mins)
}

// TokenInfo is an API token as listed: never the token itself.
type TokenInfo struct {
	ID         int64
	Name       string
	UserID     int64
	Username   string
	UserScope  string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TokenFilter chooses API tokens to list: one user's (UserID), or those
// of every user whose scope lies within Scope.
type TokenFilter struct {
	UserID int64
	Scope  string
}

// AuditEntry is one row of the audit log as read back. Before and After
// are the record's JSON snapshots.
type AuditEntry struct {
	ID        int64
	At        string // RFC 3339, UTC, microseconds
	Actor     string
	RequestID string
	Action    string
	Entity    string
	EntityID  string
	Before    []byte
	After     []byte
	Reason    string
}
