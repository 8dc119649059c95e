package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

const userCols = `id, username, display_name, roles, scope, disabled_at IS NOT NULL, created_at, version`

func scanUser(row pgx.Row) (diming.UserRecord, error) {
	var u diming.UserRecord
	var roles []string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &roles, &u.Scope, &u.Disabled, &u.CreatedAt, &u.Version)
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
	hash, err := hashPassword(nu.Password)
	if err != nil {
		return diming.UserRecord{}, diming.E(op, err)
	}
	var u diming.UserRecord
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		u, err = scanUser(tx.QueryRow(ctx, `INSERT INTO users (username, display_name, password_hash, roles, scope)
			VALUES ($1,$2,$3,$4,$5) RETURNING `+userCols, nu.Username, nu.DisplayName, hash, roleStrings(nu.Roles), nu.Scope))
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
		fe.Add("password", "use at least 10 characters")
	}
	if err := fe.Err(op); err != nil {
		return diming.UserRecord{}, err
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
		var roles []string
		if up.Roles != nil {
			roles = roleStrings(*up.Roles)
		}
		var hash *string
		if up.Password != nil {
			h, err := hashPassword(*up.Password)
			if err != nil {
				return err
			}
			hash = &h
		}
		after, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET
			display_name = coalesce($2, display_name), roles = coalesce($3, roles), scope = coalesce($4, scope),
			disabled_at = CASE WHEN $5::bool IS NULL THEN disabled_at WHEN $5 THEN coalesce(disabled_at, now()) ELSE NULL END,
			password_hash = coalesce($6, password_hash), version = version + 1
			WHERE id = $1 RETURNING `+userCols, id, up.DisplayName, roles, up.Scope, up.Disabled, hash))
		if err != nil {
			return err
		}
		if up.Disabled != nil && *up.Disabled {
			if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE user_id=$1 AND revoked_at IS NULL`, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, Change{Action: "user.update", Entity: "user", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return after, translate(op, err)
}

// dummyHash keeps the time of a failed login the same whether or not the
// username exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not-a-password"), bcrypt.DefaultCost)

// Authenticate checks a username and password. It returns Unauthorized,
// with the same message for an unknown user and a wrong password.
func (db *DB) Authenticate(ctx context.Context, username, password string) (*diming.User, error) {
	const op = "data.Authenticate"
	var hash string
	var disabled bool
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT id, password_hash, disabled_at IS NOT NULL FROM users WHERE username=$1`, username).Scan(&id, &hash, &disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, diming.E(op, diming.Unauthorized, "用户名或密码不正确")
	}
	if err != nil {
		return nil, translate(op, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || disabled {
		return nil, diming.E(op, diming.Unauthorized, "用户名或密码不正确")
	}
	u, err := db.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &u.User, nil
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
		return nil, "", diming.E("data.FindSession", diming.Unauthorized, "your session has ended; please sign in again")
	}
	if err != nil {
		return nil, "", translate("data.FindSession", err)
	}
	u, err := db.FindUserByID(ctx, id)
	return &u.User, csrf, err
}

// RevokeSession ends a session (sign-out).
func (db *DB) RevokeSession(ctx context.Context, token string) error {
	_, err := db.Pool.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE token_hash=$1 AND revoked_at IS NULL`, hashSecret(token))
	return translate("data.RevokeSession", err)
}

// TokenPrefix starts every API token, so leaked tokens are easy to spot.
const TokenPrefix = "dmt_"

// CreateToken issues an API token for scripts. The token is shown once;
// only its hash is stored.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string) (string, error) {
	const op = "data.CreateToken"
	if strings.TrimSpace(name) == "" {
		return "", diming.E(op, diming.Invalid, "give the token a name", map[string]string{"name": "required"})
	}
	token, hash := newSecret(TokenPrefix)
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, name, user_id) VALUES ($1,$2,$3) RETURNING id`, hash, name, userID).Scan(&id); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "token.create", Entity: "api_token", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"name": name, "user_id": userID}})
	})
	return token, translate(op, err)
}

// FindToken returns the user of a live API token, or Unauthorized.
func (db *DB) FindToken(ctx context.Context, token string) (*diming.User, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `UPDATE api_tokens t SET last_used_at = now() FROM users u
		WHERE t.token_hash=$1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
		  AND u.id = t.user_id AND u.disabled_at IS NULL RETURNING t.user_id`, hashSecret(token)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, diming.E("data.FindToken", diming.Unauthorized, "the API token is unknown, revoked or expired")
	}
	if err != nil {
		return nil, translate("data.FindToken", err)
	}
	u, err := db.FindUserByID(ctx, id)
	return &u.User, err
}
