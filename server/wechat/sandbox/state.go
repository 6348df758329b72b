package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// state is everything the sandbox remembers, as WeChat would: what survives
// a restart (and a kill -9) because every change to it is journaled.
type state struct {
	Transactions map[string]*transaction `json:"transactions"` // by out_trade_no
	Prepays      map[string]string       `json:"prepays"`      // prepay_id → out_trade_no
	Refunds      map[string]*refund      `json:"refunds"`      // by out_refund_no
	Deliveries   []Delivery              `json:"deliveries"`   // the last maxLog attempts
	// Pending are notifications not yet acknowledged, with their place in
	// WeChat's retry schedule, by delivery id.
	Pending map[string]*pending `json:"-"`
	// Subscribes are the last maxLog subscribe messages accepted.
	Subscribes []SubscribeRecord `json:"-"`
	// Grants are the subscribe messages each user accepted to receive, by
	// openid and template id (wx.requestSubscribeMessage: one per accept).
	Grants map[string]map[string]int `json:"-"`
	// Tokens are the access tokens issued, by token.
	Tokens map[string]accessToken `json:"-"`
	// Stable is the current stable_token.
	Stable stableToken `json:"-"`
	// Parcels are the tracking numbers Kuaidi100 polls, by number.
	Parcels map[string]*parcel `json:"-"`
	// Riders are the rider service's deliveries (and quotes), by deliveryNo.
	Riders map[string]*riderDelivery `json:"-"`
}

// accessToken is an issued access token.
type accessToken struct {
	Expiry  time.Time `json:"expiry"`
	Classic bool      `json:"classic,omitempty"` // from cgi-bin/token, not stable_token
}

type stableToken struct {
	Token  string    `json:"token"`
	Expiry time.Time `json:"expiry"`
}

// maxLog bounds the delivery and subscribe logs (the newest are kept).
const maxLog = 500

func newState() state {
	return state{
		Transactions: map[string]*transaction{}, Prepays: map[string]string{}, Refunds: map[string]*refund{},
		Pending: map[string]*pending{}, Grants: map[string]map[string]int{}, Tokens: map[string]accessToken{},
		Parcels: map[string]*parcel{},
		Riders:  map[string]*riderDelivery{},
	}
}

// Record kinds of the journal. Most are puts: the whole new value of one
// thing, by key, or its removal (no value), so replaying them in order
// rebuilds exactly the state that was in memory. Deliveries and subscribes
// are appended to their logs.
const (
	recTransaction = "tx"
	recPrepay      = "prepay"
	recRefund      = "refund"
	recPending     = "pending"
	recDelivery    = "delivery"
	recSubscribe   = "subscribe"
	recGrants      = "grants"
	recToken       = "token"
	recStable      = "stable"
	recParcel      = "parcel"
	recRider       = "rider"
)

// record is one line of the journal.
type record struct {
	Kind string          `json:"k"`
	Key  string          `json:"id,omitempty"`
	Val  json.RawMessage `json:"v,omitempty"` // absent: the thing is gone
}

func encode(kind, key string, v any) []byte {
	r := record{Kind: kind, Key: key}
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // the sandbox's own types of plain values: marshalling cannot fail
		}
		r.Val = b
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return b
}

// apply replays one journal line onto the state. It changes nothing when
// the line cannot be read.
func (st *state) apply(line []byte) error {
	var r record
	if err := json.Unmarshal(line, &r); err != nil {
		return err
	}
	gone := len(r.Val) == 0 || string(r.Val) == "null"
	switch r.Kind {
	case recTransaction:
		if gone {
			delete(st.Transactions, r.Key)
			return nil
		}
		var t transaction
		if err := json.Unmarshal(r.Val, &t); err != nil {
			return err
		}
		st.Transactions[r.Key] = &t
	case recPrepay:
		if gone {
			delete(st.Prepays, r.Key)
			return nil
		}
		var no string
		if err := json.Unmarshal(r.Val, &no); err != nil {
			return err
		}
		st.Prepays[r.Key] = no
	case recRefund:
		if gone {
			delete(st.Refunds, r.Key)
			return nil
		}
		var x refund
		if err := json.Unmarshal(r.Val, &x); err != nil {
			return err
		}
		st.Refunds[r.Key] = &x
	case recPending:
		if gone {
			delete(st.Pending, r.Key)
			return nil
		}
		var p pending
		if err := json.Unmarshal(r.Val, &p); err != nil {
			return err
		}
		st.Pending[r.Key] = &p
	case recDelivery:
		var d Delivery
		if err := json.Unmarshal(r.Val, &d); err != nil {
			return err
		}
		st.logDelivery(d)
	case recSubscribe:
		var m SubscribeRecord
		if err := json.Unmarshal(r.Val, &m); err != nil {
			return err
		}
		st.logSubscribe(m)
	case recGrants:
		if gone {
			delete(st.Grants, r.Key)
			return nil
		}
		var g map[string]int
		if err := json.Unmarshal(r.Val, &g); err != nil {
			return err
		}
		st.Grants[r.Key] = g
	case recToken:
		if gone {
			delete(st.Tokens, r.Key)
			return nil
		}
		var tok accessToken
		if err := json.Unmarshal(r.Val, &tok); err != nil {
			return err
		}
		st.Tokens[r.Key] = tok
	case recStable:
		var s stableToken
		if !gone {
			if err := json.Unmarshal(r.Val, &s); err != nil {
				return err
			}
		}
		st.Stable = s
	case recParcel:
		if gone {
			delete(st.Parcels, r.Key)
			return nil
		}
		var p parcel
		if err := json.Unmarshal(r.Val, &p); err != nil {
			return err
		}
		st.Parcels[r.Key] = &p
	case recRider:
		if gone {
			delete(st.Riders, r.Key)
			return nil
		}
		var d riderDelivery
		if err := json.Unmarshal(r.Val, &d); err != nil {
			return err
		}
		st.Riders[r.Key] = &d
	default:
		return fmt.Errorf("unknown record kind %q", r.Kind)
	}
	return nil
}

func (st *state) logDelivery(d Delivery) {
	st.Deliveries = append(st.Deliveries, d)
	if len(st.Deliveries) > maxLog {
		st.Deliveries = append([]Delivery(nil), st.Deliveries[len(st.Deliveries)-maxLog:]...)
	}
}

func (st *state) logSubscribe(m SubscribeRecord) {
	st.Subscribes = append(st.Subscribes, m)
	if len(st.Subscribes) > maxLog {
		st.Subscribes = append([]SubscribeRecord(nil), st.Subscribes[len(st.Subscribes)-maxLog:]...)
	}
}

// snapshot is the state as journal records, one per live thing, in an
// order that replays to the same state (what compaction writes).
func (st *state) snapshot() [][]byte {
	var out [][]byte
	for _, k := range keys(st.Transactions) {
		out = append(out, encode(recTransaction, k, st.Transactions[k]))
	}
	for _, k := range keys(st.Prepays) {
		out = append(out, encode(recPrepay, k, st.Prepays[k]))
	}
	for _, k := range keys(st.Refunds) {
		out = append(out, encode(recRefund, k, st.Refunds[k]))
	}
	for _, k := range keys(st.Pending) {
		out = append(out, encode(recPending, k, st.Pending[k]))
	}
	for _, d := range st.Deliveries {
		out = append(out, encode(recDelivery, "", d))
	}
	for _, m := range st.Subscribes {
		out = append(out, encode(recSubscribe, "", m))
	}
	for _, k := range keys(st.Grants) {
		out = append(out, encode(recGrants, k, st.Grants[k]))
	}
	for _, k := range keys(st.Tokens) {
		out = append(out, encode(recToken, k, st.Tokens[k]))
	}
	for _, k := range keys(st.Riders) {
		out = append(out, encode(recRider, k, st.Riders[k]))
	}
	if st.Stable.Token != "" {
		out = append(out, encode(recStable, "", st.Stable))
	}
	for _, k := range keys(st.Parcels) {
		out = append(out, encode(recParcel, k, st.Parcels[k]))
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// legacyStateFile is where sandboxes before the journal kept their state
// (one JSON document, rewritten every 50 ms at most).
const legacyStateFile = "state.json"

// importLegacy reads an old state.json into st; false when there is none.
func importLegacy(path string, st *state) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	old := newState()
	if err := json.Unmarshal(b, &old); err != nil {
		return false, fmt.Errorf("sandbox: the old state file %s is corrupt: %w", path, err)
	}
	for _, t := range old.Transactions {
		t.RequestedExpire = t.TimeExpire
	}
	st.Transactions, st.Prepays, st.Refunds, st.Deliveries = old.Transactions, old.Prepays, old.Refunds, old.Deliveries
	if st.Transactions == nil {
		st.Transactions = map[string]*transaction{}
	}
	if st.Prepays == nil {
		st.Prepays = map[string]string{}
	}
	if st.Refunds == nil {
		st.Refunds = map[string]*refund{}
	}
	return true, nil
}
