package synonyms

import (
	"context"
	"fmt"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/ent/searchsynonym"
	"wemart/ent/searchsynonymterm"
	"wemart/server/errs"
	"wemart/server/storage"
)

// CounterKey names the counter (table counters) every change to the
// synonym groups bumps, in its own transaction.
const CounterKey = "search_synonyms"

// Service manages the synonym groups.
type Service struct{ client *ent.Client }

// New returns a Service.
func New(client *ent.Client) *Service { return &Service{client: client} }

// Input is a group's terms, as staff send them.
type Input struct {
	Terms []string `json:"terms"`
}

// List returns every group, oldest first.
func (s *Service) List(ctx context.Context) (_ []*ent.SearchSynonym, err error) {
	defer errs.Op(&err, "synonyms.List")
	return s.client.SearchSynonym.Query().Order(ent.Asc(searchsynonym.FieldID)).All(ctx)
}

// Create adds a group. A term another group has is a conflict naming both.
func (s *Service) Create(ctx context.Context, in Input) (_ *ent.SearchSynonym, err error) {
	defer errs.Op(&err, "synonyms.Create")
	return s.write(ctx, 0, in.Terms, func(tx *ent.Tx, terms []string) (*ent.SearchSynonym, error) {
		g, err := tx.SearchSynonym.Create().SetTerms(terms).Save(ctx)
		if err != nil {
			return nil, err
		}
		return g, claim(ctx, tx, g.ID, terms)
	})
}

// Update replaces the terms of group id.
func (s *Service) Update(ctx context.Context, id int, in Input) (_ *ent.SearchSynonym, err error) {
	defer errs.Op(&err, "synonyms.Update")
	return s.write(ctx, id, in.Terms, func(tx *ent.Tx, terms []string) (*ent.SearchSynonym, error) {
		n, err := tx.SearchSynonym.Update().Where(searchsynonym.ID(id)).SetTerms(terms).Save(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errs.E(errs.NotFound, "no synonym group %d", id)
		}
		if _, err := tx.SearchSynonymTerm.Delete().Where(searchsynonymterm.SynonymID(id)).Exec(ctx); err != nil {
			return nil, err
		}
		if err := claim(ctx, tx, id, terms); err != nil {
			return nil, err
		}
		return tx.SearchSynonym.Get(ctx, id)
	})
}

// write checks raw terms, then runs fn with them folded in a transaction
// that bumps the counter first. A term fn could not claim because another
// group than self (0: none) holds it is a conflict naming the term and the
// group.
func (s *Service) write(ctx context.Context, self int, raw []string,
	fn func(tx *ent.Tx, terms []string) (*ent.SearchSynonym, error)) (*ent.SearchSynonym, error) {
	terms, err := Terms(raw)
	if err != nil {
		return nil, err
	}
	var g *ent.SearchSynonym
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) (err error) {
		if err := bump(ctx, tx); err != nil {
			return err
		}
		g, err = fn(tx, terms)
		return err
	})
	if err != nil {
		return nil, s.conflict(ctx, err, self, terms)
	}
	return g, nil
}

// Delete removes group id.
func (s *Service) Delete(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "synonyms.Delete")
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := bump(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.SearchSynonymTerm.Delete().Where(searchsynonymterm.SynonymID(id)).Exec(ctx); err != nil {
			return err
		}
		n, err := tx.SearchSynonym.Delete().Where(searchsynonym.ID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no synonym group %d", id)
		}
		return nil
	})
}

// SeedIfEmpty creates groups (each checked as Create checks it, no term in
// two of them) in one transaction when there are no groups at all, and
// returns how many it created: none when there were groups already, or
// when another process seeding at the same moment claimed the terms first.
func (s *Service) SeedIfEmpty(ctx context.Context, groups []Input) (created int, err error) {
	defer errs.Op(&err, "synonyms.SeedIfEmpty")
	folded := make([][]string, len(groups))
	owner := map[string]int{}
	for i, g := range groups {
		if folded[i], err = Terms(g.Terms); err != nil {
			return 0, err
		}
		for _, t := range folded[i] {
			if j, taken := owner[t]; taken {
				return 0, fmt.Errorf("%q is in groups %d and %d of the list", t, j, i)
			}
			owner[t] = i
		}
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if some, err := tx.SearchSynonym.Query().Exist(ctx); err != nil || some {
			return err
		}
		if err := bump(ctx, tx); err != nil {
			return err
		}
		for _, terms := range folded {
			g, err := tx.SearchSynonym.Create().SetTerms(terms).Save(ctx)
			if err != nil {
				return err
			}
			if err := claim(ctx, tx, g.ID, terms); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	if storage.IsConflict(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return created, nil
}

// Groups returns the terms of every group, oldest group first: what the
// search index is given.
func Groups(ctx context.Context, client *ent.Client) (_ [][]string, err error) {
	defer errs.Op(&err, "synonyms.Groups")
	rows, err := client.SearchSynonym.Query().Order(ent.Asc(searchsynonym.FieldID)).
		Select(searchsynonym.FieldTerms).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(rows))
	for i, g := range rows {
		out[i] = g.Terms
	}
	return out, nil
}

// bump moves the counter on, first thing in tx: on PostgreSQL its row then
// stays locked until tx ends, so changes to the groups take turns, and a
// reader that sees value N sees every change it counts.
func bump(ctx context.Context, tx *ent.Tx) error {
	return tx.Counter.Create().SetID(CounterKey).SetValue(1).OnConflictColumns(counter.FieldID).
		Update(func(u *ent.CounterUpsert) { u.AddValue(1) }).Exec(ctx)
}

// claim writes a search_synonym_terms row for each term of group id: the
// unique term column refuses a term another group holds.
func claim(ctx context.Context, tx *ent.Tx, id int, terms []string) error {
	rows := make([]*ent.SearchSynonymTermCreate, len(terms))
	for i, t := range terms {
		rows[i] = tx.SearchSynonymTerm.Create().SetSynonymID(id).SetTerm(t)
	}
	return tx.SearchSynonymTerm.CreateBulk(rows...).Exec(ctx)
}

// conflict turns a refused claim of terms for group self (0: a new group)
// into a conflict naming the term and the group that holds it, looked up
// after the transaction rolled back; other errors pass through.
func (s *Service) conflict(ctx context.Context, err error, self int, terms []string) error {
	if !storage.IsConflict(err) {
		return err
	}
	held, lerr := s.client.SearchSynonymTerm.Query().
		Where(searchsynonymterm.TermIn(terms...), searchsynonymterm.SynonymIDNEQ(self)).
		Order(ent.Asc(searchsynonymterm.FieldID)).First(ctx)
	if lerr != nil {
		// The holder went away meanwhile (or cannot be read): say so
		// without naming it.
		return errs.Wrap(err, errs.Conflict, "another synonym group took one of these terms at the same moment; try again")
	}
	return errs.E(errs.Conflict, "%q is already in synonym group %d; a term may be in one group only", held.Term, held.SynonymID).
		With("term", held.Term).With("group_id", held.SynonymID)
}
