package api

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/errs"
	"wemart/server/staff"
)

// access is who may call a staff route: the permission it needs (see
// server/staff/policy.go for the roles holding each) and, for a store-bound
// one, where the store the request is about comes from. Every staff route
// declares one in the route table; handlers check nothing themselves.
type access struct {
	perm  staff.Perm
	store storeOf
}

// storeOf finds the store a request is about; ok is false when it is about
// no store in particular (the permission alone is checked then).
type storeOf func(c echo.Context) (id int, ok bool, err error)

// may is access with perm, wherever the request is about.
func may(perm staff.Perm) access { return access{perm: perm} }

// at checks a's permission at the store the request is about.
func (a access) at(store storeOf) access {
	a.store = store
	return a
}

// authorize refuses the request unless the principal (set by requireStaff)
// holds a's permission, at the request's store when a names where it is.
func authorize(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := principal(c)
			if a.store == nil {
				if err := p.Require(a.perm); err != nil {
					return err
				}
				return next(c)
			}
			id, ok, err := a.store(c)
			if err != nil {
				return err
			}
			if !ok {
				err = p.Require(a.perm)
			} else {
				err = p.RequireStore(a.perm, id)
			}
			if err != nil {
				return err
			}
			return next(c)
		}
	}
}

// pathStore is the store named by the path parameter name.
func pathStore(name string) storeOf {
	return func(c echo.Context) (int, bool, error) {
		id, err := pathID(c, name)
		return id, err == nil, err
	}
}

// queryStore is the store named by the optional query parameter name.
func queryStore(name string) storeOf {
	return func(c echo.Context) (int, bool, error) {
		id, err := queryOptInt(c, name, 1, 1<<31-1)
		if err != nil || id == nil {
			return 0, false, err
		}
		return int(*id), true, nil
	}
}

// bodyStore is the store named by the required field name of the JSON
// body (a positive integer); the body is put back for the handler, which
// decodes it strictly.
func bodyStore(name string) storeOf {
	return func(c echo.Context) (int, bool, error) {
		raw, err := readBody(c)
		if err != nil {
			return 0, false, err
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(raw))
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return 0, false, errs.E(errs.Invalid, "the body must be a JSON object")
		}
		var id int
		if v, ok := fields[name]; !ok || json.Unmarshal(v, &id) != nil || id <= 0 {
			return 0, false, errs.InvalidField(name, "must be a positive integer (the store the request is about)")
		}
		return id, true, nil
	}
}

const orderKey = "wemart.order"

// orderStore is the store of the order in the path (:id); the order, read
// once, is then the handler's through pathOrder.
func (h *ordersAPI) orderStore(c echo.Context) (int, bool, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, false, err
	}
	o, err := h.Orders.Load(c.Request().Context(), id)
	if err != nil {
		return 0, false, err
	}
	c.Set(orderKey, o)
	return o.StoreID, true, nil
}

// pathOrder is the order orderStore read for the request.
func pathOrder(c echo.Context) *ent.Order {
	o, _ := c.Get(orderKey).(*ent.Order)
	return o
}
