package data

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// msgWrongLogin is the one answer for an unknown user, a wrong password
// and a disabled account, so sign-in does not tell which names exist.
const msgWrongLogin = "用户名或密码不正确"

// throttleKeys are the rows an attempt counts against, in lock order.
func throttleKeys(a diming.LoginAttempt) []string {
	keys := []string{}
	if a.Addr != "" {
		keys = append(keys, "addr:"+a.Addr)
	}
	return append(keys, "user:"+a.Username)
}

type throttleRow struct {
	key         string
	failures    int
	windowStart time.Time
	lockedUntil *time.Time
	lockouts    int
	lastFailure *time.Time
	limit       int
	address     bool
}

// Login checks a sign-in attempt under the login policy and returns the
// user. It returns Unauthorized for a wrong name or password (the same
// message either way) and TooMany, carrying *diming.Locked, while the
// account or the client address is locked, even for the right password.
// The attempt, a failure and a lock-out are audited. Attempts on one
// account are serialised by a row lock, so parallel guesses cannot slip
// past the limit.
func (db *DB) Login(ctx context.Context, a diming.LoginAttempt, p diming.LoginPolicy) (*diming.User, error) {
	return db.checkPassword(ctx, a, p, "session.login")
}

func (db *DB) checkPassword(ctx context.Context, a diming.LoginAttempt, p diming.LoginPolicy, action string) (*diming.User, error) {
	const op = "data.Login"
	var user *diming.User
	var result error
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		rows, err := lockThrottle(ctx, tx, a, p)
		if err != nil {
			return err
		}
		now, err := dbNow(ctx, tx)
		if err != nil {
			return err
		}
		ch, err := attemptChange(ctx, tx, a)
		if err != nil {
			return err
		}
		if l := lockedOf(rows, now); l != nil {
			ch.Action, ch.Reason = action+"_refused", "locked until "+l.Until.UTC().Format(time.RFC3339)
			result = lockedError(op, *l, now)
			return audit(ctx, tx, ch)
		}
		id, ok, err := passwordMatches(ctx, tx, a, db.dummyHash())
		switch {
		case err != nil:
			return err
		case ok:
			user, err = loginSucceeded(ctx, tx, id, ch, action)
			return err
		}
		result, err = loginFailed(ctx, tx, a, rows, p, now, ch, action)
		return err
	})
	if err != nil {
		return nil, translate(op, err)
	}
	return user, result
}

// attemptChange is the audit record of an attempt: events of an existing
// account are part of its trail; those of unknown names are filed under
// the name tried.
func attemptChange(ctx context.Context, tx pgx.Tx, a diming.LoginAttempt) (Change, error) {
	ch := Change{Entity: "login", EntityID: a.Username, Actor: "anonymous", After: map[string]any{"username": a.Username, "address": a.Addr}}
	var known int64
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, a.Username).Scan(&known)
	switch {
	case err == nil:
		ch.Entity, ch.EntityID = "user", strconv.FormatInt(known, 10)
	case !errors.Is(err, pgx.ErrNoRows):
		return ch, err
	}
	return ch, nil
}

// loginSucceeded clears the account's failures and lock-outs and audits
// the sign-in with the user as its actor.
func loginSucceeded(ctx context.Context, tx pgx.Tx, id int64, ch Change, action string) (*diming.User, error) {
	if _, err := tx.Exec(ctx, `UPDATE login_throttle SET failures = 0, lockouts = 0, locked_until = NULL
		WHERE key = (SELECT 'user:' || username FROM users WHERE id = $1)`, id); err != nil {
		return nil, err
	}
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id=$1`, id))
	if err != nil {
		return nil, err
	}
	ch.Action = action
	return &u.User, audit(diming.WithUser(ctx, &u.User), tx, ch)
}

// loginFailed audits a failure, counts it and, when it reaches a limit,
// locks and audits the lock-out. It returns the error the caller gets.
func loginFailed(ctx context.Context, tx pgx.Tx, a diming.LoginAttempt, rows []throttleRow, p diming.LoginPolicy, now time.Time,
	ch Change, action string) (result, err error) {
	const op = "data.Login"
	ch.Action = action + "_failed"
	if err := audit(ctx, tx, ch); err != nil {
		return nil, err
	}
	l, err := recordFailure(ctx, tx, rows, p, now)
	if err != nil || l == nil {
		return diming.E(op, diming.Unauthorized, msgWrongLogin), err
	}
	what := "account"
	if l.Address {
		what = "address"
	}
	ch.Action, ch.Reason = "session.lockout", "locked until "+l.Until.UTC().Format(time.RFC3339)
	ch.After = map[string]any{"username": a.Username, "address": a.Addr, "locked": what}
	return lockedError(op, *l, now), audit(ctx, tx, ch)
}

func dbNow(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	var now time.Time
	err := tx.QueryRow(ctx, `SELECT now()`).Scan(&now)
	return now, err
}

// lockThrottle creates the attempt's throttle rows if needed and locks
// them (address before account, the same order everywhere).
func lockThrottle(ctx context.Context, tx pgx.Tx, a diming.LoginAttempt, p diming.LoginPolicy) ([]throttleRow, error) {
	var rows []throttleRow
	for _, k := range throttleKeys(a) {
		r := throttleRow{key: k, limit: p.AccountFailures}
		if k[:5] == "addr:" {
			r.limit, r.address = p.AddressFailures, true
		}
		err := tx.QueryRow(ctx, `INSERT INTO login_throttle AS t (key) VALUES ($1)
			ON CONFLICT (key) DO UPDATE SET key = t.key
			RETURNING failures, window_start, locked_until, lockouts, last_failure`, k).
			Scan(&r.failures, &r.windowStart, &r.lockedUntil, &r.lockouts, &r.lastFailure)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// lockedOf returns the lock that lasts longest among rows, or nil.
func lockedOf(rows []throttleRow, now time.Time) *diming.Locked {
	var l *diming.Locked
	for _, r := range rows {
		if r.lockedUntil != nil && r.lockedUntil.After(now) && (l == nil || r.lockedUntil.After(l.Until)) {
			l = &diming.Locked{Until: *r.lockedUntil, Address: r.address}
		}
	}
	return l
}

// recordFailure counts a failure on every row and locks those that reach
// their limit; it returns the lock the attempt earned, or nil.
func recordFailure(ctx context.Context, tx pgx.Tx, rows []throttleRow, p diming.LoginPolicy, now time.Time) (*diming.Locked, error) {
	var earned *diming.Locked
	for _, r := range rows {
		if now.Sub(r.windowStart) > p.Window {
			r.failures, r.windowStart = 0, now
		}
		if r.lastFailure != nil && now.Sub(*r.lastFailure) > p.Forget {
			r.lockouts = 0
		}
		r.failures++
		var until *time.Time
		if r.failures >= r.limit {
			t := now.Add(p.LockFor(r.lockouts))
			until, r.failures = &t, 0
			r.lockouts++
			if earned == nil || t.After(earned.Until) {
				earned = &diming.Locked{Until: t, Address: r.address}
			}
		}
		_, err := tx.Exec(ctx, `UPDATE login_throttle SET failures = $2, window_start = $3, lockouts = $4, last_failure = $5,
			locked_until = coalesce($6, locked_until) WHERE key = $1`, r.key, r.failures, r.windowStart, r.lockouts, now, until)
		if err != nil {
			return nil, err
		}
	}
	return earned, nil
}

// passwordMatches checks the password; a disabled account never matches.
// An unknown name costs the same bcrypt time as a known one. id is the
// account's id when the name exists.
func passwordMatches(ctx context.Context, tx pgx.Tx, a diming.LoginAttempt, dummyHash []byte) (id int64, ok bool, err error) {
	var hash string
	var disabled bool
	err = tx.QueryRow(ctx, `SELECT id, password_hash, disabled_at IS NOT NULL FROM users WHERE username=$1`, a.Username).Scan(&id, &hash, &disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(a.Password))
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return id, bcrypt.CompareHashAndPassword([]byte(hash), []byte(a.Password)) == nil && !disabled, nil
}

func lockedError(op string, l diming.Locked, now time.Time) error {
	return diming.E(op, diming.TooMany, diming.LockedMessage(l, now), &l)
}

// ChangePassword is a user's own change of password: the current one is
// checked under the login policy (so it cannot be guessed through this
// door either), and every other session of the user ends; the session
// keepToken (the one making the change) stays. API tokens stay too: the
// user still holds the password and lists and revokes them separately.
func (db *DB) ChangePassword(ctx context.Context, current diming.LoginAttempt, newPassword, keepToken string, p diming.LoginPolicy) error {
	const op = "data.ChangePassword"
	if len(newPassword) < diming.MinPasswordLen {
		return diming.E(op, diming.Invalid, map[string]string{"new_password": "密码至少 10 个字符"})
	}
	u, err := db.checkPassword(ctx, current, p, "user.password_verify")
	if err != nil {
		return err
	}
	hash, err := db.hashPassword(newPassword)
	if err != nil {
		return diming.E(op, err)
	}
	ctx = diming.WithUser(ctx, u)
	return translate(op, db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, version = version + 1 WHERE id = $1`, u.ID, hash); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now(), revoked_reason = 'password_change'
			WHERE user_id = $1 AND revoked_at IS NULL AND token_hash <> $2`, u.ID, hashSecret(keepToken))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "user.password_change", Entity: "user", EntityID: strconv.FormatInt(u.ID, 10),
			Reason: "ended " + strconv.FormatInt(tag.RowsAffected(), 10) + " other sessions"})
	}))
}

// endCredentials ends every session and revokes every API token of a
// user, for a password reset by an administrator: whoever held the old
// password may have opened sessions or made tokens with it.
func endCredentials(ctx context.Context, tx pgx.Tx, userID int64, reason string) (sessions, tokens int64, err error) {
	tag, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, reason)
	if err != nil {
		return 0, 0, err
	}
	tt, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, reason)
	return tag.RowsAffected(), tt.RowsAffected(), err
}
