package sharing

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
)

// FeedEntities are the kinds of record the change feed carries.
var FeedEntities = []string{"division", "place", "street", "address", "plate", "linked_record"}

// Cursor is a position in the change feed: after the change written by
// transaction XID as audit row ID. The zero cursor is the beginning.
type Cursor struct {
	XID uint64
	ID  int64
}

// String is the cursor as clients pass it back ("" for the beginning).
func (c Cursor) String() string {
	if c == (Cursor{}) {
		return ""
	}
	return strconv.FormatUint(c.XID, 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor as String wrote it; Invalid otherwise.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	x, i, ok := strings.Cut(s, ".")
	xid, err1 := strconv.ParseUint(x, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if !ok || err1 != nil || err2 != nil || id < 0 {
		return Cursor{}, diming.E("sharing.ParseCursor", diming.Invalid, "游标格式不对", map[string]string{"after": "请传回上一页返回的 next 游标；从头读取时留空"})
	}
	return Cursor{XID: xid, ID: id}, nil
}

// Change is one entry of the change feed: an audited write, with the
// record before and after as the consumer may see them.
type Change struct {
	Cursor   string          `json:"cursor"`
	ID       int64           `json:"id"`
	At       string          `json:"at"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Division string          `json:"division,omitempty"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	// Withheld is set when the record is above the consumer's grade: the
	// change is listed (so positions stay exact) without its content.
	Withheld bool   `json:"withheld,omitempty"`
	XID      uint64 `json:"-"`
}

// FeedStore reads the change feed.
type FeedStore interface {
	// FindChanges returns up to limit changes of FeedEntities after the
	// cursor, in order, only from transactions no running one precedes,
	// each with its Division.
	FindChanges(ctx context.Context, after Cursor, limit int) ([]Change, error)
	FindKinds(ctx context.Context, department string) ([]Kind, error)
	LogAccess(ctx context.Context, reads []Read) error
}

// MaxFeedPage is the largest page of the change feed.
const MaxFeedPage = 10_000

// Changes returns the next page of the change feed after cursor for
// consumer u, masked by u's grade (reads of sensitive fields logged), and
// the cursor to continue from (the same cursor when nothing is new).
func Changes(ctx context.Context, store FeedStore, u *diming.User, after Cursor, limit int, policy doorplate.PhonePolicy) ([]Change, Cursor, error) {
	if u == nil {
		return nil, after, &diming.Error{Kind: diming.Unauthorized, Msg: "请先登录或使用 API 令牌"}
	}
	limit = min(max(limit, 1), MaxFeedPage)
	page, err := store.FindChanges(ctx, after, limit)
	if err != nil {
		return nil, after, err
	}
	var kinds map[string]*Kind
	var reads []Read
	for i := range page {
		c := &page[i]
		after = Cursor{XID: c.XID, ID: c.ID}
		c.Cursor = after.String()
		if c.Entity != "linked_record" {
			var s1, s2 []string
			c.Before, s1 = MaskSnapshot(c.Before, c.Entity, c.Division, u, policy)
			c.After, s2 = MaskSnapshot(c.After, c.Entity, c.Division, u, policy)
			if f := append(s1, s2...); len(f) > 0 {
				reads = append(reads, Read{Entity: c.Entity, EntityID: c.EntityID, Fields: f})
			}
			continue
		}
		if kinds == nil {
			if kinds, err = kindsByKey(ctx, store); err != nil {
				return nil, after, err
			}
		}
		if r := maskLinkedChange(c, u, kinds); r != nil {
			reads = append(reads, *r)
		}
	}
	if err := store.LogAccess(ctx, reads); err != nil {
		return nil, after, err
	}
	return page, after, nil
}

func kindsByKey(ctx context.Context, store FeedStore) (map[string]*Kind, error) {
	ks, err := store.FindKinds(ctx, "")
	if err != nil {
		return nil, err
	}
	m := make(map[string]*Kind, len(ks))
	for i := range ks {
		m[ks[i].Department+"/"+ks[i].Kind] = &ks[i]
	}
	return m, nil
}

// maskLinkedChange masks a linked record's snapshot by its kind's schema
// (Mask), and returns the sensitive read to log, if any.
func maskLinkedChange(c *Change, u *diming.User, kinds map[string]*Kind) *Read {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(c.After))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		c.After, c.Withheld = nil, true
		return nil
	}
	c.Division = r.DivisionCode
	k := kinds[r.Department+"/"+r.Kind]
	if k == nil { // a retirement snapshot carries no kind: show the envelope
		k = &Kind{Grade: diming.GradePublic}
		if r.Grade == "" {
			r.Grade = diming.GradePublic
		}
	}
	v, sensitive, ok := Mask(Linked{Record: r, Kind: *k}, u)
	if !ok {
		c.After, c.Withheld = nil, true
		return nil
	}
	c.After, _ = json.Marshal(v)
	if len(sensitive) == 0 {
		return nil
	}
	return &Read{Owner: r.Department, Entity: "linked_record", EntityID: c.EntityID, Fields: sensitive}
}
