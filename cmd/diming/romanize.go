package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/diming/diming/data"
	"github.com/diming/diming/romanize"
)

// romanizeCommand re-spells every stored name, street and address with the
// current readings, in one audited transaction:
//
//	diming romanize
func romanizeCommand(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Romanize(ctx)
	if err != nil {
		return err
	}
	printRespelling(stdout, rep)
	return nil
}

func printRespelling(w io.Writer, rep data.RomanizeReport) {
	fmt.Fprintf(w, "读音表 %s：地名 %d 条，拼写改变 %d 条；街路巷 %d 条、地址 %d 条的拼音改变\n",
		rep.Fingerprint, rep.Places, rep.Changed, rep.Streets, rep.Addresses)
	for _, e := range rep.Examples {
		fmt.Fprintln(w, "  ", e)
	}
}

// readingsCommand lists and adds place-name readings:
//
//	diming readings list
//	diming readings add -word 黄陂 -pinyin "huáng pí" -source "GB/T 2260-2007"
func readingsCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: diming readings list | add -word WORD -pinyin \"SYL SYL\" -source SOURCE")
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "list":
		local, err := db.FindReadings(ctx)
		if err != nil {
			return err
		}
		for _, r := range romanize.Table() {
			fmt.Fprintf(stdout, "shipped\t%s\t%s\t%s\n", r.Word, r.Pinyin, r.Source)
		}
		for _, r := range local {
			fmt.Fprintf(stdout, "local\t%s\t%s\t%s\n", r.Word, r.Pinyin, r.Source)
		}
		return nil
	case "add":
		fs := flag.NewFlagSet("readings add", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var r romanize.Reading
		fs.StringVar(&r.Word, "word", "", "the word as written in names: 黄陂")
		fs.StringVar(&r.Pinyin, "pinyin", "", "one syllable a character, tone marks or digits: \"huáng pí\" or \"huang2 pi2\"")
		fs.StringVar(&r.Source, "source", "", "the dictionary, standard or document that settles the reading")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		rep, err := db.SaveReading(ctx, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "读音已记录：%s %s（%s）\n", r.Word, r.Pinyin, r.Source)
		printRespelling(stdout, rep)
		return nil
	}
	return fmt.Errorf("unknown readings command %q; use list or add", args[0])
}
