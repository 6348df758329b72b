package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/subscribe"
)

// subscriptionsAPI serves the shopper's subscribe message grants.
type subscriptionsAPI struct {
	Subscribe *subscribe.Service
}

// subscriptionsInput is what wx.requestSubscribeMessage answered, by
// template id.
type subscriptionsInput struct {
	Results map[string]string `json:"results"`
}

// recordSubscriptions is POST /api/v1/subscriptions: it records the
// shopper's answers and returns how many messages of each template may now
// be sent.
func (h *subscriptionsAPI) recordSubscriptions(c echo.Context) error {
	var in subscriptionsInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	grants, err := h.Subscribe.Record(c.Request().Context(), shopperID(c), in.Results)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]map[string]int{"grants": grants})
}

// subscribeTemplates is GET /api/v1/subscriptions/templates: the templates
// of order events, for the mini program to ask the shopper for.
func (h *subscriptionsAPI) subscribeTemplates(c echo.Context) error {
	return c.JSON(http.StatusOK, Items[subscribe.TemplateInfo]{Items: h.Subscribe.List()})
}
