package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
)

// userCommand is `diming user add`: it bootstraps the first admin. The
// password comes from DIMING_PASSWORD-free stdin, never from a flag, so it
// does not land in shell history.
func userCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const usage = "usage: diming user add -username NAME -roles admin[,...] [-scope CODE] [-name DISPLAY] < password\n" +
		"       diming user set-grade -username NAME [-grade public|internal|sensitive] [-department CODE]"
	if len(args) > 0 && args[0] == "set-grade" {
		return userSetGrade(ctx, cfg, logger, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "add" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "login name")
	roles := fs.String("roles", "admin", "comma-separated roles: "+rolesList())
	scope := fs.String("scope", "", "division code the user acts in; empty for the whole country")
	display := fs.String("name", "", "display name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	fmt.Fprint(stderr, "password (read from stdin): ")
	pw, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	fmt.Fprintln(stderr)
	nu := diming.NewUser{Username: *username, DisplayName: *display, Password: strings.TrimRight(pw, "\r\n"), Scope: *scope}
	for _, r := range strings.Split(*roles, ",") {
		nu.Roles = append(nu.Roles, diming.Role(strings.TrimSpace(r)))
	}
	if err := nu.Validate(); err != nil {
		return describe(err)
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, nu)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created user %s (id %d) with roles %v, scope %q\n", u.Username, u.ID, u.Roles, u.Scope)
	return nil
}

// userSetGrade is `diming user set-grade`: it changes the data grade and
// the department of an account (audited as user.update, like the API).
// An empty -department takes the account out of its department.
func userSetGrade(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user set-grade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "login name")
	grade := fs.String("grade", "", "data grade the account reads: public, internal or sensitive")
	department := fs.String("department", "", "department code; empty to clear")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var up diming.UserUpdate
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "grade":
			g := diming.Grade(*grade)
			up.Grade = &g
		case "department":
			up.Department = department
		}
	})
	if *username == "" || (up.Grade == nil && up.Department == nil) {
		return errors.New("usage: diming user set-grade -username NAME [-grade public|internal|sensitive] [-department CODE]")
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := findUsername(ctx, db, *username)
	if err != nil {
		return err
	}
	up.Version = u.Version
	if u, err = db.UpdateUser(ctx, u.ID, up); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "user %s (id %d): grade %s, department %q\n", u.Username, u.ID, u.Grade, u.Department)
	return nil
}

func tokenCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: diming token add -username NAME -name PURPOSE | token list [-username NAME] | token revoke -id ID"
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "user the token acts as (add), or whose tokens to list (list)")
	name := fs.String("name", "", "what the token is for (add)")
	id := fs.Int64("id", 0, "the token to revoke (revoke; see token list)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] != "add" && args[0] != "list" && args[0] != "revoke" {
		return errors.New(usage)
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "add":
		u, err := findUsername(ctx, db, *username)
		if err != nil {
			return err
		}
		tok, err := db.CreateToken(ctx, u.ID, *name)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintln(stdout, tok)
	case "list":
		f := diming.TokenFilter{}
		if *username != "" {
			u, err := findUsername(ctx, db, *username)
			if err != nil {
				return err
			}
			f.UserID = u.ID
		}
		ts, err := db.FindTokens(ctx, f)
		if err != nil {
			return err
		}
		printTokens(stdout, ts)
	case "revoke":
		if *id <= 0 {
			return errors.New("give the token's -id (see diming token list)")
		}
		t, err := db.RevokeToken(ctx, *id)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "revoked token %d (%s) of %s\n", t.ID, t.Name, t.Username)
	}
	return nil
}

func findUsername(ctx context.Context, db *data.DB, username string) (diming.UserRecord, error) {
	users, err := db.FindUsers(ctx, "")
	if err != nil {
		return diming.UserRecord{}, err
	}
	for _, u := range users {
		if u.Username == username {
			return u, nil
		}
	}
	return diming.UserRecord{}, fmt.Errorf("no user %q", username)
}

func printTokens(w io.Writer, ts []diming.TokenInfo) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED\tLAST USED\tSTATE")
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	for _, t := range ts {
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + when(t.RevokedAt)
		case t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()):
			state = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, t.CreatedAt.UTC().Format("2006-01-02 15:04"), when(t.LastUsedAt), state)
	}
	tw.Flush()
}

func rolesList() string {
	s := make([]string, len(diming.Roles))
	for i, r := range diming.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// describe turns a diming error into a message with its field problems.
func describe(err error) error {
	var de *diming.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(de.Msg)
	for f, m := range de.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f, m)
	}
	return errors.New(b.String())
}
