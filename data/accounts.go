package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

func (db *DB) hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), db.passwordCost)
	return string(h), err
}

const userCols = `id, username, display_name, roles, scope, coalesce(department, ''), grade, disabled_at IS NOT NULL, created_at, version`

func scanUser(row pgx.Row) (diming.UserRecord, error) {
	var u diming.UserRecord
	var roles []string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &roles, &u.Scope, &u.Department, &u.Grade, &u.Disabled, &u.CreatedAt, &u.Version)
	for _, r := range roles {
		u.Roles = append(u.Roles, diming.Role(r))
	}
	return u, err
}

// CreateUser adds an account. It returns Invalid for bad fields and
// Conflict when the username is taken.
func (db *DB) CreateUser(ctx context.Context, nu diming.NewUser) (diming.UserRecord, error) {
	const op = "data.CreateUser"
	if err := nu.Validate(); err != nil {
		return diming.UserRecord{}, err
	}
	hash, err := db.hashPassword(nu.Password)
	if err != nil {
		return diming.UserRecord{}, diming.E(op, err)
	}
	var u diming.UserRecord
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		u, err = scanUser(tx.QueryRow(ctx, `INSERT INTO users (username, display_name, password_hash, roles, scope, department, grade)
			VALUES ($1,$2,$3,$4,$5,nullif($6,''),coalesce(nullif($7,''),'internal')) RETURNING `+userCols,
			nu.Username, nu.DisplayName, hash, roleStrings(nu.Roles), nu.Scope, nu.Department, string(nu.Grade)))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "user.create", Entity: "user", EntityID: strconv.FormatInt(u.ID, 10), After: u})
	})
	if err != nil {
		return diming.UserRecord{}, translate(op, err)
	}
	return u, nil
}

func roleStrings(rs []diming.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// FindUserByID returns one account, or NotFound.
func (db *DB) FindUserByID(ctx context.Context, id int64) (diming.UserRecord, error) {
	u, err := scanUser(db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id=$1`, id))
	return u, translate("data.FindUserByID", err)
}

// FindUsers lists the accounts whose scope lies within scope.
func (db *DB) FindUsers(ctx context.Context, scope string) ([]diming.UserRecord, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+userCols+` FROM users WHERE scope LIKE $1 || '%' ORDER BY username`, diming.CodePrefix(scope))
	return collect("data.FindUsers", rows, err, scanUser)
}

// UpdateUser applies up to the account if up.Version is current. It returns
// Conflict with the current record when it is not, NotFound, or Invalid.
func (db *DB) UpdateUser(ctx context.Context, id int64, up diming.UserUpdate) (diming.UserRecord, error) {
	const op = "data.UpdateUser"
	fe := diming.FieldErrors{}
	if up.Roles != nil {
		diming.ValidateRoles(fe, *up.Roles)
	}
	if up.Scope != nil {
		diming.ValidateScope(fe, *up.Scope)
	}
	if up.Password != nil && len(*up.Password) < diming.MinPasswordLen {
		fe.Add("password", "密码至少 10 个字符")
	}
	if up.Grade != nil && !up.Grade.Valid() {
		fe.Add("grade", "数据等级须为 public、internal 或 sensitive")
	}
	if err := fe.Err(op); err != nil {
		return diming.UserRecord{}, err
	}
	var grade *string
	if up.Grade != nil {
		g := string(*up.Grade)
		grade = &g
	}
	var after diming.UserRecord
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id=$1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if before.Version != up.Version {
			return staleVersion(op, before.Version, before)
		}
		if up.Department != nil && *up.Department != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM departments WHERE code = $1`, *up.Department).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return diming.E(op, diming.Invalid, map[string]string{"department": "没有代码为 " + *up.Department + " 的部门"})
			}
		}
		var roles []string
		if up.Roles != nil {
			roles = roleStrings(*up.Roles)
		}
		var hash *string
		if up.Password != nil {
			h, err := db.hashPassword(*up.Password)
			if err != nil {
				return err
			}
			hash = &h
		}
		after, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET
			display_name = coalesce($2, display_name), roles = coalesce($3, roles), scope = coalesce($4, scope),
			disabled_at = CASE WHEN $5::bool IS NULL THEN disabled_at WHEN $5 THEN coalesce(disabled_at, now()) ELSE NULL END,
			password_hash = coalesce($6, password_hash),
			department = CASE WHEN $7::text IS NULL THEN department ELSE nullif($7, '') END, grade = coalesce($8, grade),
			version = version + 1
			WHERE id = $1 RETURNING `+userCols, id, up.DisplayName, roles, up.Scope, up.Disabled, hash, up.Department, grade))
		if err != nil {
			return err
		}
		ch := Change{Action: "user.update", Entity: "user", EntityID: strconv.FormatInt(id, 10), Before: before, After: after}
		if up.Disabled != nil && *up.Disabled {
			if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now(), revoked_reason = 'disabled' WHERE user_id=$1 AND revoked_at IS NULL`, id); err != nil {
				return err
			}
		}
		if up.Password != nil {
			s, t, err := endCredentials(ctx, tx, id, "password_reset")
			if err != nil {
				return err
			}
			ch.Reason = fmt.Sprintf("password reset: ended %d sessions, revoked %d API tokens", s, t)
		}
		return audit(ctx, tx, ch)
	})
	return after, translate(op, err)
}

// dummyHash keeps the time of a failed login the same whether or not the
// username exists: a hash at the pool's cost, made on first use.
func (db *DB) dummyHash() []byte {
	db.dummyOnce.Do(func() {
		db.dummy, _ = bcrypt.GenerateFromPassword([]byte("not-a-password"), db.passwordCost)
	})
	return db.dummy
}

func newSecret(prefix string) (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	s := prefix + base64.RawURLEncoding.EncodeToString(b)
	return s, hashSecret(s)
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// CreateSession starts a browser session for a user and returns the
// session token (for the cookie) and its CSRF token. Only hashes are stored.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (token, csrf string, err error) {
	token, hash := newSecret("")
	csrf, _ = newSecret("")
	_, err = db.Pool.Exec(ctx, `INSERT INTO sessions (token_hash, csrf_token, user_id, expires_at) VALUES ($1,$2,$3,$4)`,
		hash, csrf, userID, time.Now().Add(ttl))
	return token, csrf, translate("data.CreateSession", err)
}

// FindSession returns the user and CSRF token of a live session, or
// Unauthorized when it is unknown, expired, revoked or its user disabled.
func (db *DB) FindSession(ctx context.Context, token string) (*diming.User, string, error) {
	var id int64
	var csrf string
	err := db.Pool.QueryRow(ctx, `SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash=$1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`, hashSecret(token)).Scan(&id, &csrf)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", diming.E("data.FindSession", diming.Unauthorized, "登录已失效，请重新登录")
	}
	if err != nil {
		return nil, "", translate("data.FindSession", err)
	}
	u, err := db.FindUserByID(ctx, id)
	return &u.User, csrf, err
}

// RevokeSession ends a session (sign-out), audited as session.logout.
func (db *DB) RevokeSession(ctx context.Context, token string) error {
	return translate("data.RevokeSession", db.WithTx(ctx, func(tx pgx.Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE token_hash=$1 AND revoked_at IS NULL
			RETURNING user_id`, hashSecret(token)).Scan(&userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "session.logout", Entity: "user", EntityID: strconv.FormatInt(userID, 10)})
	}))
}

// TokenPrefix starts every API token, so leaked tokens are easy to spot.
const TokenPrefix = "dmt_"

// CreateToken issues an API token for scripts. The token is shown once;
// only its hash is stored.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string) (string, error) {
	return db.CreateGradedToken(ctx, userID, name, "")
}

// CreateGradedToken is CreateToken for a token that reads data only up
// to grade ("" for its user's grade). Invalid when grade is unknown or
// above the user's own.
func (db *DB) CreateGradedToken(ctx context.Context, userID int64, name string, grade diming.Grade) (string, error) {
	const op = "data.CreateToken"
	if grade != "" {
		u, err := db.FindUserByID(ctx, userID)
		if err != nil {
			return "", err
		}
		if !grade.Valid() || !u.Grade.Allows(grade) {
			return "", diming.E(op, diming.Invalid, "令牌的数据等级不能高于账号自己的等级",
				map[string]string{"grade": "可选 public、internal、sensitive，且不高于账号的 " + string(u.Grade)})
		}
	}
	if strings.TrimSpace(name) == "" {
		return "", diming.E(op, diming.Invalid, "请为令牌命名", map[string]string{"name": "必填：说明令牌给哪个脚本用"})
	}
	token, hash := newSecret(TokenPrefix)
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, name, user_id, grade) VALUES ($1,$2,$3,nullif($4,'')) RETURNING id`,
			hash, name, userID, string(grade)).Scan(&id); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "token.create", Entity: "api_token", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"name": name, "user_id": userID, "grade": grade}})
	})
	return token, translate(op, err)
}

// FindToken returns the user of a live API token, or Unauthorized.
func (db *DB) FindToken(ctx context.Context, token string) (*diming.User, error) {
	var id, tokenID int64
	var grade *string
	err := db.Pool.QueryRow(ctx, `UPDATE api_tokens t SET last_used_at = now() FROM users u
		WHERE t.token_hash=$1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
		  AND u.id = t.user_id AND u.disabled_at IS NULL RETURNING t.user_id, t.grade, t.id`, hashSecret(token)).Scan(&id, &grade, &tokenID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, diming.E("data.FindToken", diming.Unauthorized, "API 令牌无效、已吊销或已过期")
	}
	if err != nil {
		return nil, translate("data.FindToken", err)
	}
	u, err := db.FindUserByID(ctx, id)
	if grade != nil { // a token reads no more than its user, and may read less
		u.Grade = u.Grade.Min(diming.Grade(*grade))
	}
	u.TokenID = tokenID
	return &u.User, err
}

const tokenInfoCols = `t.id, t.name, t.user_id, u.username, u.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

func scanTokenInfo(row pgx.Row) (diming.TokenInfo, error) {
	var t diming.TokenInfo
	err := row.Scan(&t.ID, &t.Name, &t.UserID, &t.Username, &t.UserScope, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt)
	return t, err
}

// FindTokens lists API tokens, newest first, revoked ones included.
func (db *DB) FindTokens(ctx context.Context, f diming.TokenFilter) ([]diming.TokenInfo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+tokenInfoCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE ($1 = 0 OR t.user_id = $1) AND starts_with(u.scope, $2) ORDER BY t.id DESC`, f.UserID, diming.CodePrefix(f.Scope))
	return collect("data.FindTokens", rows, err, scanTokenInfo)
}

// FindTokenByID returns one token's listing, or NotFound.
func (db *DB) FindTokenByID(ctx context.Context, id int64) (diming.TokenInfo, error) {
	t, err := scanTokenInfo(db.Pool.QueryRow(ctx, `SELECT `+tokenInfoCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id))
	return t, translate("data.FindTokenByID", err)
}

// RevokeToken revokes an API token (audited as token.revoke); revoking
// one already revoked changes nothing. NotFound when there is none.
func (db *DB) RevokeToken(ctx context.Context, id int64) (diming.TokenInfo, error) {
	const op = "data.RevokeToken"
	var t diming.TokenInfo
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now(), revoked_reason = 'revoked' WHERE id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return err
		}
		if t, err = scanTokenInfo(tx.QueryRow(ctx, `SELECT `+tokenInfoCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id)); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return audit(ctx, tx, Change{Action: "token.revoke", Entity: "api_token", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"name": t.Name, "user_id": t.UserID}})
	})
	return t, translate(op, err)
}
