package doorplate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"

	"github.com/diming/diming"
)

// A plate's code is "<public id>.<key id>.<signature>": a random opaque
// id (60 bits, 12 base-32 characters, no meaning and no address inside),
// the id of the signing key, and a truncated HMAC-SHA256 over both
// (100 bits, 20 characters). The scan URL is PublicURL + "/d/" + code, and
// the QR holds nothing else (DOMAIN.md rule 32). Keys rotate: new plates
// are signed with the first key, old plates keep verifying as long as
// their key stays in the ring.

var b32 = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

const (
	publicIDLen = 12
	sigLen      = 20
)

// Key is one signing key.
type Key struct {
	ID     string     // 1–8 characters of [0-9a-z]
	Secret []byte     // at least 32 bytes
	macs   *sync.Pool // keyed HMAC states, reused: every scan verifies a code
}

// Keys is the key ring: Keys[0] signs, every key verifies.
type Keys []Key

// ParseKeys reads a key ring from "id:base64secret,id:base64secret", the
// form of the DIMING_PLATE_KEYS variable. The first key signs new plates.
// It returns Invalid when an entry is malformed or a secret is short.
func ParseKeys(s string) (Keys, error) {
	const op = "doorplate.ParseKeys"
	var ks Keys
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, sec, ok := strings.Cut(part, ":")
		secret, err := base64.StdEncoding.DecodeString(sec)
		if err != nil {
			secret, err = base64.RawURLEncoding.DecodeString(sec)
		}
		if !ok || err != nil || !validKeyID(id) {
			return nil, diming.E(op, diming.Invalid, fmt.Sprintf("plate key %q: use id:base64secret with an id of 1–8 of [0-9a-z]", id))
		}
		if len(secret) < 32 {
			return nil, diming.E(op, diming.Invalid, fmt.Sprintf("plate key %q: the secret must be at least 32 bytes", id))
		}
		ks = append(ks, Key{ID: id, Secret: secret, macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}})
	}
	if len(ks) == 0 {
		return nil, diming.E(op, diming.Invalid, "no plate signing keys configured")
	}
	return ks, nil
}

func validKeyID(id string) bool {
	return len(id) >= 1 && len(id) <= 8 && strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyz") == ""
}

// NewPublicID returns a fresh random public id.
func NewPublicID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return b32.EncodeToString(b)[:publicIDLen]
}

func (ks Keys) find(id string) (Key, bool) {
	for _, k := range ks {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// signature writes the signature of publicID under k into sig.
func signature(k Key, publicID string, sig *[sigLen]byte) {
	var m hash.Hash
	if k.macs != nil {
		m = k.macs.Get().(hash.Hash)
		m.Reset()
		defer k.macs.Put(m)
	} else {
		m = hmac.New(sha256.New, k.Secret)
	}
	m.Write([]byte("diming-plate-v1|"))
	io.WriteString(m, publicID)
	m.Write([]byte{'|'})
	io.WriteString(m, k.ID)
	var sum [sha256.Size]byte
	var enc [52]byte // base32 of 32 bytes, unpadded
	b32.Encode(enc[:], m.Sum(sum[:0]))
	copy(sig[:], enc[:sigLen])
}

// Sign returns the code of a plate signed with the key keyID. It returns
// Internal when the ring does not hold that key.
func (ks Keys) Sign(publicID, keyID string) (string, error) {
	k, ok := ks.find(keyID)
	if !ok {
		return "", diming.E("doorplate.Sign", fmt.Sprintf("plate key %q is not configured", keyID))
	}
	var sig [sigLen]byte
	signature(k, publicID, &sig)
	return publicID + "." + k.ID + "." + string(sig[:]), nil
}

// Current returns the id of the key that signs new plates.
func (ks Keys) Current() string { return ks[0].ID }

// Verify checks a scanned code and returns its public id and key id. It
// returns Invalid for malformed, unsigned or forged codes and for codes
// signed with a key no longer in the ring; it never panics on input.
func (ks Keys) Verify(code string) (publicID, keyID string, err error) {
	const op = "doorplate.Verify"
	pid, rest, ok1 := strings.Cut(code, ".")
	kid, got, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(got, ".") || len(pid) != publicIDLen || !isB32(pid) || !validKeyID(kid) {
		return "", "", diming.E(op, diming.Invalid, "this is not a doorplate code")
	}
	k, ok := ks.find(kid)
	if !ok {
		return "", "", diming.E(op, diming.Invalid, "the code's signing key is unknown")
	}
	var sig [sigLen]byte
	signature(k, pid, &sig)
	if len(got) != sigLen || subtle.ConstantTimeCompare([]byte(got), sig[:]) != 1 {
		return "", "", diming.E(op, diming.Invalid, "the code's signature does not match")
	}
	return pid, kid, nil
}

func isB32(s string) bool { return strings.Trim(s, "0123456789abcdefghijklmnopqrstuv") == "" }
