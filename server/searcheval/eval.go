// Package searcheval is the relevance evaluation of the catalogue search on
// the demo catalogue: a judged query set (judged.tsv: what shoppers type,
// and the demo products a shopper would accept for each query), the ranking
// metrics (recall@10, nDCG@10, reciprocal rank, zero results) per query and
// per kind of query, and a Markdown table comparing rankers side by side.
// The tests serve the demo through the real app to measure the search
// engine against a SQL LIKE baseline (see Like).
package searcheval

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"wemart/search"
)

// Depth is how many results of a ranking are judged.
const Depth = 10

// Kinds of queries, in the order tables list them.
var Kinds = []string{
	"spaceless",       // brand and product typed without a space
	"attribute",       // product and size or variant (SKU names count)
	"pinyin_full",     // full pinyin without tones
	"pinyin_initials", // pinyin initials
	"pinyin_mixed",    // Chinese and pinyin together
	"traditional",     // traditional characters
	"width_case",      // full-width Latin or digits, letter case, accents
	"typo",            // a wrong character, IME homophones
	"synonym",         // another word for the same thing
	"english",         // English words
	"plain",           // ordinary Chinese words, the control
}

// All names the row of every query together.
const All = "all"

//go:embed judged.tsv
var judged []byte

// Query is a judged query.
type Query struct {
	Kind string
	Text string
	// Accepted are the titles of the products a shopper would accept.
	Accepted []string
	Comment  string
}

// Judged returns the embedded judged query set.
func Judged() ([]Query, error) { return Parse(bytes.NewReader(judged)) }

// Parse reads a judged query set: a query a line, tab-separated kind,
// query, accepted titles (separated by " | ") and an optional comment;
// blank lines and lines starting with # are skipped. Every query needs a
// known kind, a text and an accepted title.
func Parse(r io.Reader) ([]Query, error) {
	var out []Query
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 || len(f) > 4 {
			return nil, fmt.Errorf("judged set line %d: %d columns, want 3 or 4", n, len(f))
		}
		q := Query{Kind: f[0], Text: f[1]}
		if len(f) == 4 {
			q.Comment = f[3]
		}
		if !slices.Contains(Kinds, q.Kind) {
			return nil, fmt.Errorf("judged set line %d: unknown kind %q", n, q.Kind)
		}
		if strings.TrimSpace(q.Text) == "" {
			return nil, fmt.Errorf("judged set line %d: no query", n)
		}
		for _, t := range strings.Split(f[2], " | ") {
			if t = strings.TrimSpace(t); t != "" {
				q.Accepted = append(q.Accepted, t)
			}
		}
		if len(q.Accepted) == 0 {
			return nil, fmt.Errorf("judged set line %d: %q accepts nothing", n, q.Text)
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// Scores are the metrics of one ranking against its query's judgments.
type Scores struct {
	// Recall is the share of the accepted titles in the first Depth
	// results, out of min(Depth, number accepted).
	Recall float64
	// NDCG is the normalized discounted cumulative gain of the first Depth
	// results, with a gain of 1 for an accepted title.
	NDCG float64
	// RR is 1/rank of the first accepted title in the first Depth results (0 if none).
	RR float64
	// Zero says the ranking was empty.
	Zero bool
}

// Score judges ranked (titles, best first) against the accepted titles. A
// title counts once, where it first appears.
func Score(ranked, accepted []string) Scores {
	s := Scores{Zero: len(ranked) == 0}
	ideal := min(Depth, len(accepted))
	if ideal == 0 {
		return s
	}
	seen := map[string]bool{}
	found := 0
	var dcg float64
	for i, t := range ranked[:min(Depth, len(ranked))] {
		if seen[t] || !slices.Contains(accepted, t) {
			continue
		}
		seen[t] = true
		found++
		dcg += 1 / math.Log2(float64(i+2))
		if s.RR == 0 {
			s.RR = 1 / float64(i+1)
		}
	}
	var idcg float64
	for i := range ideal {
		idcg += 1 / math.Log2(float64(i+2))
	}
	s.Recall = float64(found) / float64(ideal)
	s.NDCG = dcg / idcg
	return s
}

// Ranker answers a query with product titles, best first; none (an empty
// slice) is a search with no results.
type Ranker func(ctx context.Context, query string) ([]string, error)

// Outcome is how a ranker answered a judged query.
type Outcome struct {
	Query  Query
	Ranked []string
	Scores Scores
}

// Evaluate asks rank every query and scores its answers.
func Evaluate(ctx context.Context, queries []Query, rank Ranker) ([]Outcome, error) {
	out := make([]Outcome, 0, len(queries))
	for _, q := range queries {
		ranked, err := rank(ctx, q.Text)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", q.Text, err)
		}
		out = append(out, Outcome{Query: q, Ranked: ranked, Scores: Score(ranked, q.Accepted)})
	}
	return out, nil
}

// Summary is the mean of the scores of a set of queries.
type Summary struct {
	N        int
	Recall   float64
	NDCG     float64
	MRR      float64
	ZeroRate float64
}

// Summarize averages the outcomes per kind, and over all of them under All.
// Kinds with no outcome are absent.
func Summarize(outcomes []Outcome) map[string]Summary {
	sums := map[string]Summary{}
	for _, o := range outcomes {
		for _, k := range []string{o.Query.Kind, All} {
			s := sums[k]
			s.N++
			s.Recall += o.Scores.Recall
			s.NDCG += o.Scores.NDCG
			s.MRR += o.Scores.RR
			if o.Scores.Zero {
				s.ZeroRate++
			}
			sums[k] = s
		}
	}
	for k, s := range sums {
		n := float64(s.N)
		sums[k] = Summary{N: s.N, Recall: s.Recall / n, NDCG: s.NDCG / n, MRR: s.MRR / n, ZeroRate: s.ZeroRate / n}
	}
	return sums
}

// Run is a named ranker's outcomes on the judged set.
type Run struct {
	Name     string
	Outcomes []Outcome
}

// Table renders the runs side by side as a Markdown table: a row per kind
// (in Kinds order) and one for all queries; the number of queries (of the
// first run), then each run's recall@10, nDCG@10, MRR and zero-result rate.
func Table(runs ...Run) string {
	var b strings.Builder
	b.WriteString("| kind | n |")
	sep := "|---|---:|"
	for _, r := range runs {
		fmt.Fprintf(&b, " %[1]s recall@10 | %[1]s nDCG@10 | %[1]s MRR | %[1]s zero |", r.Name)
		sep += "---:|---:|---:|---:|"
	}
	b.WriteString("\n" + sep + "\n")
	sums := make([]map[string]Summary, len(runs))
	for i, r := range runs {
		sums[i] = Summarize(r.Outcomes)
	}
	for _, k := range append(slices.Clone(Kinds), All) {
		if len(runs) == 0 || sums[0][k].N == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d |", k, sums[0][k].N)
		for _, s := range sums {
			fmt.Fprintf(&b, " %.3f | %.3f | %.3f | %.3f |", s[k].Recall, s[k].NDCG, s[k].MRR, s[k].ZeroRate)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// SearchTitles reads the titles of a GET /api/v1/products answer. An answer
// whose match is "none" (search.MatchNone) holds a fallback (best sellers), not results: it
// reads as no results.
func SearchTitles(body []byte) ([]string, error) {
	var page struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
		Match string `json:"match"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("search answer: %w", err)
	}
	titles := []string{}
	if page.Match == string(search.MatchNone) {
		return titles, nil
	}
	for _, it := range page.Items {
		titles = append(titles, it.Title)
	}
	return titles, nil
}
