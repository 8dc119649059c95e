package ogc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Expr is a parsed filter: *Cmp, *Logic or *Not.
type Expr interface{ expr() }

// Cmp compares a property with literal values. Op is one of = <> < <= >
// >= LIKE IN BETWEEN ISNULL; Value holds the literal (Values for IN and
// BETWEEN), typed after the property: string, int64, float64, bool or
// time.Time.
type Cmp struct {
	Prop   string
	Op     string
	Not    bool
	Value  any
	Values []any
}

// Logic joins expressions with AND or OR.
type Logic struct {
	Op   string
	Args []Expr
}

// Not negates an expression.
type Not struct{ X Expr }

func (*Cmp) expr()   {}
func (*Logic) expr() {}
func (*Not) expr()   {}

// ParseCQL2 parses the basic CQL2 text of a filter: comparisons of a
// property with a literal (= <> < <= > >=, LIKE, IN, BETWEEN, IS NULL)
// joined with AND, OR, NOT and parentheses. Errors say where and what.
func ParseCQL2(c *Collection, s string) (Expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{c: c, toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("filter 在 %q 处有多余的内容", p.toks[p.pos].text)
	}
	return e, nil
}

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tNumber
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
}

func lex(s string) ([]token, error) {
	var out []token
	r := []rune(s)
	for i := 0; i < len(r); {
		ch := r[i]
		switch {
		case unicode.IsSpace(ch):
			i++
		case ch == '(':
			out, i = append(out, token{tLParen, "("}), i+1
		case ch == ')':
			out, i = append(out, token{tRParen, ")"}), i+1
		case ch == ',':
			out, i = append(out, token{tComma, ","}), i+1
		case ch == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(r) {
					return nil, fmt.Errorf("filter 中的字符串没有结束引号：%s", string(r[i:]))
				}
				if r[j] == '\'' {
					if j+1 < len(r) && r[j+1] == '\'' {
						b.WriteRune('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteRune(r[j])
				j++
			}
			out, i = append(out, token{tString, b.String()}), j+1
		case ch == '"':
			j := i + 1
			for j < len(r) && r[j] != '"' {
				j++
			}
			if j >= len(r) {
				return nil, fmt.Errorf("filter 中的属性名没有结束的双引号")
			}
			out, i = append(out, token{tIdent, string(r[i+1 : j])}), j+1
		case strings.ContainsRune("=<>!", ch):
			j := i + 1
			if j < len(r) && strings.ContainsRune("=>", r[j]) {
				j++
			}
			op := string(r[i:j])
			if op == "!=" {
				op = "<>"
			}
			switch op {
			case "=", "<>", "<", "<=", ">", ">=":
			default:
				return nil, fmt.Errorf("filter 中不认识的比较符 %q：可用 = <> < <= > >=", op)
			}
			out, i = append(out, token{tOp, op}), j
		case ch == '-' || ch == '+' || ch == '.' || unicode.IsDigit(ch):
			j := i + 1
			for j < len(r) && (unicode.IsDigit(r[j]) || strings.ContainsRune(".eE+-", r[j])) {
				j++
			}
			out, i = append(out, token{tNumber, string(r[i:j])}), j
		case ch == '_' || unicode.IsLetter(ch):
			j := i + 1
			for j < len(r) && (r[j] == '_' || r[j] == '.' || unicode.IsLetter(r[j]) || unicode.IsDigit(r[j])) {
				j++
			}
			out, i = append(out, token{tIdent, string(r[i:j])}), j
		default:
			return nil, fmt.Errorf("filter 中有不认识的字符 %q", string(ch))
		}
	}
	return out, nil
}

type parser struct {
	c    *Collection
	toks []token
	pos  int
}

func (p *parser) peek() *token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *parser) keyword(w string) bool {
	t := p.peek()
	if t != nil && t.kind == tIdent && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) or() (Expr, error) {
	return p.chain("OR", p.and)
}

func (p *parser) and() (Expr, error) {
	return p.chain("AND", p.not)
}

func (p *parser) chain(op string, next func() (Expr, error)) (Expr, error) {
	e, err := next()
	if err != nil {
		return nil, err
	}
	args := []Expr{e}
	for p.keyword(op) {
		e, err := next()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &Logic{Op: op, Args: args}, nil
}

func (p *parser) not() (Expr, error) {
	if p.keyword("NOT") {
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Not{e}, nil
	}
	t := p.peek()
	if t == nil {
		return nil, fmt.Errorf("filter 不完整：缺少条件")
	}
	if t.kind == tLParen {
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t == nil || t.kind != tRParen {
			return nil, fmt.Errorf("filter 缺少右括号")
		}
		p.pos++
		return e, nil
	}
	return p.predicate()
}

func (p *parser) predicate() (Expr, error) {
	t := p.peek()
	if t.kind != tIdent {
		return nil, fmt.Errorf("filter 的条件须以属性名开头（如 name = '越城区'），收到 %q", t.text)
	}
	prop, ok := p.c.Prop(t.text)
	if !ok {
		return nil, fmt.Errorf("集合 %s 没有属性 %s；可用：%s", p.c.ID, t.text, strings.Join(p.c.PropNames(), ", "))
	}
	p.pos++
	cmp := &Cmp{Prop: prop.Name}
	if p.keyword("IS") {
		cmp.Op, cmp.Not = "ISNULL", p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, fmt.Errorf("filter 中 %s IS 之后须为 NULL 或 NOT NULL", prop.Name)
		}
		return cmp, nil
	}
	cmp.Not = p.keyword("NOT")
	switch {
	case p.keyword("LIKE"):
		if prop.Type != String {
			return nil, fmt.Errorf("LIKE 只能用于文本属性，%s 不是文本", prop.Name)
		}
		v, err := p.literal(prop)
		if err != nil {
			return nil, err
		}
		cmp.Op, cmp.Value = "LIKE", v
		return cmp, nil
	case p.keyword("IN"):
		if t := p.peek(); t == nil || t.kind != tLParen {
			return nil, fmt.Errorf("filter 中 IN 之后须为括号中的值列表，如 level IN (1, 2)")
		}
		p.pos++
		for {
			v, err := p.literal(prop)
			if err != nil {
				return nil, err
			}
			cmp.Values = append(cmp.Values, v)
			t := p.peek()
			if t != nil && t.kind == tComma {
				p.pos++
				continue
			}
			if t == nil || t.kind != tRParen {
				return nil, fmt.Errorf("filter 中 IN 的值列表缺少右括号")
			}
			p.pos++
			break
		}
		cmp.Op = "IN"
		return cmp, nil
	case p.keyword("BETWEEN"):
		a, err := p.literal(prop)
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, fmt.Errorf("filter 中 BETWEEN 须写成 %s BETWEEN a AND b", prop.Name)
		}
		b, err := p.literal(prop)
		if err != nil {
			return nil, err
		}
		cmp.Op, cmp.Values = "BETWEEN", []any{a, b}
		return cmp, nil
	}
	if cmp.Not {
		return nil, fmt.Errorf("filter 中 NOT 之后须为 LIKE、IN 或 BETWEEN")
	}
	op := p.peek()
	if op == nil || op.kind != tOp {
		return nil, fmt.Errorf("filter 中属性 %s 之后须为比较符（= <> < <= > >=、LIKE、IN、BETWEEN 或 IS NULL）", prop.Name)
	}
	p.pos++
	v, err := p.literal(prop)
	if err != nil {
		return nil, err
	}
	cmp.Op, cmp.Value = op.text, v
	return cmp, nil
}

// literal reads one literal and checks it against the property's type.
func (p *parser) literal(prop Property) (any, error) {
	t := p.peek()
	if t == nil {
		return nil, fmt.Errorf("filter 不完整：属性 %s 缺少比较的值", prop.Name)
	}
	p.pos++
	wrong := func(want string) error {
		return fmt.Errorf("属性 %s 是%s，不能与 %q 比较", prop.Name, want, t.text)
	}
	switch prop.Type {
	case String:
		if t.kind != tString {
			return nil, fmt.Errorf("属性 %s 是文本，值须加单引号，如 %s = '%s'", prop.Name, prop.Name, t.text)
		}
		return t.text, nil
	case Integer:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if t.kind != tNumber || err != nil {
			return nil, wrong("整数")
		}
		return n, nil
	case Number:
		f, err := strconv.ParseFloat(t.text, 64)
		if t.kind != tNumber || err != nil {
			return nil, wrong("数值")
		}
		return f, nil
	case Boolean:
		if t.kind == tIdent && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false")) {
			return strings.EqualFold(t.text, "true"), nil
		}
		return nil, wrong("布尔值")
	case Date:
		s := t.text
		if t.kind == tIdent && (strings.EqualFold(s, "DATE") || strings.EqualFold(s, "TIMESTAMP")) {
			if len(p.toks) < p.pos+3 || p.toks[p.pos].kind != tLParen || p.toks[p.pos+1].kind != tString || p.toks[p.pos+2].kind != tRParen {
				return nil, fmt.Errorf("日期须写成 DATE('2015-01-01')")
			}
			s = p.toks[p.pos+1].text
			p.pos += 3
		} else if t.kind != tString {
			return nil, fmt.Errorf("属性 %s 是日期，值须写成 DATE('2015-01-01')", prop.Name)
		}
		if len(s) > 10 {
			s = s[:10]
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("属性 %s 是日期，%q 不是 YYYY-MM-DD", prop.Name, s)
		}
		return d, nil
	}
	return nil, wrong(string(prop.Type))
}
