package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// where builds the WHERE clause of a listing from optional conditions, numbering the
// placeholders as it goes: each condition is written with ? for its one value.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1))
}

// addAll adds a condition with a value per ? in it.
func (w *where) addAll(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// in adds "col IN (...)" for values.
func (w *where) in(col string, values []string) {
	marks := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		marks[i], args[i] = "?", v
	}
	w.addAll(col+" IN ("+strings.Join(marks, ", ")+")", args...)
}

// account keeps the rows of one account, cond saying how a row belongs to it ("owner = ?",
// with a ? for each mention): the account asked for or, for a customer that asks for none,
// its own; no row at all when the actor may not act for the account asked for, so that a
// customer cannot list another's.
func (w *where) account(actor icpcheck.Actor, asked, cond string) {
	if asked == "" && actor.Role != icpcheck.RoleAdmin {
		asked = actor.Account
	}
	switch {
	case asked != "" && !actor.CanActFor(asked):
		w.never()
	case asked != "":
		args := make([]any, strings.Count(cond, "?"))
		for i := range args {
			args[i] = asked
		}
		w.addAll(cond, args...)
	}
}

// never adds a condition no row meets: a customer asked for another account's rows.
func (w *where) never() { w.conds = append(w.conds, "1 = 0") }

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page returns the LIMIT and OFFSET clause of a listing, or EINVALID bad_page for a negative
// offset. The numbers are formatted in: they are ints, never user text.
func page(offset, limit int) (string, error) {
	if offset < 0 || limit < 0 {
		return "", icpcheck.Invalid("offset", "bad_page")
	}
	return " LIMIT " + itoa(icpcheck.PageLimit(limit)) + " OFFSET " + itoa(offset), nil
}

// listing begins every listing: the actor it is for, and the LIMIT clause of its page.
func listing(ctx context.Context, offset, limit int) (icpcheck.Actor, string, error) {
	actor, err := icpcheck.RequireActor(ctx)
	if err != nil {
		return actor, "", err
	}
	tail, err := page(offset, limit)
	return actor, tail, err
}

func itoa(n int) string { return strconv.Itoa(n) }

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// findPage returns, from one snapshot, the rows of "SELECT columns FROM ..." (columns ends
// with its FROM clause) that w selects, in order and within tail's LIMIT, and how many match
// in all.
func findPage[T any](db *DB, ctx context.Context, op, columns, table string, w *where, order, tail string,
	scan func(scanner) (T, error)) ([]T, int, error) {
	out := []T{}
	var total int
	err := db.view(ctx, op, func(tx *Tx) error {
		var err error
		if total, err = tx.count(`SELECT COUNT(*) FROM `+table+w.sql(), w.args...); err != nil || total == 0 {
			return err
		}
		var rows *sql.Rows
		if rows, err = tx.query(`SELECT `+columns+w.sql()+` ORDER BY `+order+tail, w.args...); err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
