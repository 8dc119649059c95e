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

	"github.com/diming/diming"
)

// userCommand is `diming user add`: it bootstraps the first admin. The
// password comes from DIMING_PASSWORD-free stdin, never from a flag, so it
// does not land in shell history.
func userCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: diming user add -username NAME -roles admin[,...] [-scope CODE] [-name DISPLAY] < password")
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

func tokenCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: diming token add -username NAME -name PURPOSE")
	}
	fs := flag.NewFlagSet("token add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "user the token acts as")
	name := fs.String("name", "", "what the token is for")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := db.FindUsers(ctx, "")
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Username == *username {
			tok, err := db.CreateToken(ctx, u.ID, *name)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(stdout, tok)
			return nil
		}
	}
	return fmt.Errorf("no user %q", *username)
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
