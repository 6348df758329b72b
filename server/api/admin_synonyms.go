package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/synonyms"
)

// SynonymGroup is a group of search terms that find the same products.
type SynonymGroup struct {
	ID        int       `json:"id"`
	Terms     []string  `json:"terms"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func synonymDTO(g *ent.SearchSynonym) SynonymGroup {
	return SynonymGroup{ID: g.ID, Terms: g.Terms, CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC()}
}

func (h *synonymsAPI) listSynonyms(c echo.Context) error {
	groups, err := h.Synonyms.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]SynonymGroup, len(groups))
	for i, g := range groups {
		out[i] = synonymDTO(g)
	}
	return c.JSON(http.StatusOK, Items[SynonymGroup]{Items: out})
}

func (h *synonymsAPI) createSynonyms(c echo.Context) error {
	var in synonyms.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	g, err := h.Synonyms.Create(c.Request().Context(), in)
	return reply(c, http.StatusCreated, g, err, synonymDTO)
}

func (h *synonymsAPI) replaceSynonyms(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in synonyms.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	g, err := h.Synonyms.Update(c.Request().Context(), id, in)
	return reply(c, http.StatusOK, g, err, synonymDTO)
}

func (h *synonymsAPI) deleteSynonyms(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Synonyms.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
