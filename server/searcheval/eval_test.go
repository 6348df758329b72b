package searcheval_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"wemart/ent/product"
	"wemart/server/searcheval"
	"wemart/server/seed"
	"wemart/server/storage/storagetest"
)

// near reports whether got is want to 4 decimals.
func near(got, want float64) bool { return math.Abs(got-want) < 5e-5 }

func TestScore(t *testing.T) {
	twelve := make([]string, 12)
	for i := range twelve {
		twelve[i] = string(rune('a' + i))
	}
	for _, c := range []struct {
		name             string
		ranked, accepted []string
		want             searcheval.Scores
	}{
		{"perfect", []string{"A", "B", "C"}, []string{"A", "B", "C"}, searcheval.Scores{Recall: 1, NDCG: 1, RR: 1}},
		// DCG 1/log2(3) + 1/log2(5); ideal 1 + 1/log2(3) + 1/log2(4).
		{"second and fourth", []string{"X", "A", "Y", "B"}, []string{"A", "B", "C"},
			searcheval.Scores{Recall: 2.0 / 3, NDCG: 0.4982, RR: 0.5}},
		{"nothing accepted", []string{"X", "Y"}, []string{"A"}, searcheval.Scores{}},
		{"no results", []string{}, []string{"A"}, searcheval.Scores{Zero: true}},
		{"beyond the first ten", []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "A"}, []string{"A"}, searcheval.Scores{}},
		// A title counts once: the second A gains nothing.
		{"repeated", []string{"A", "A"}, []string{"A", "B"}, searcheval.Scores{Recall: 0.5, NDCG: 0.6131, RR: 1}},
		// Twelve accepted: ten is the most a page can find.
		{"more accepted than ten", twelve[:10], twelve, searcheval.Scores{Recall: 1, NDCG: 1, RR: 1}},
		{"three of twelve", []string{"a", "x", "b", "x", "x", "x", "x", "x", "x", "c"}, twelve,
			searcheval.Scores{Recall: 0.3, NDCG: 0.3938, RR: 1}},
	} {
		got := searcheval.Score(c.ranked, c.accepted)
		if !near(got.Recall, c.want.Recall) || !near(got.NDCG, c.want.NDCG) || !near(got.RR, c.want.RR) || got.Zero != c.want.Zero {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// outcomes scores rankings of queries of the given kinds.
func outcomes(kinds []string, ranked [][]string, accepted []string) []searcheval.Outcome {
	out := make([]searcheval.Outcome, len(kinds))
	for i, k := range kinds {
		q := searcheval.Query{Kind: k, Text: k, Accepted: accepted}
		out[i] = searcheval.Outcome{Query: q, Ranked: ranked[i], Scores: searcheval.Score(ranked[i], accepted)}
	}
	return out
}

func TestSummarize(t *testing.T) {
	got := searcheval.Summarize(outcomes([]string{"plain", "plain", "typo"},
		[][]string{{"A", "B"}, {"X", "A"}, {}}, []string{"A", "B"}))
	for k, want := range map[string]searcheval.Summary{
		// Recall (1 + 0.5)/2; MRR (1 + 0.5)/2; nDCG (1 + 0.3869)/2.
		"plain": {N: 2, Recall: 0.75, NDCG: 0.6934, MRR: 0.75},
		"typo":  {N: 1, ZeroRate: 1},
		"all":   {N: 3, Recall: 0.5, NDCG: 0.4623, MRR: 0.5, ZeroRate: 1.0 / 3},
	} {
		s := got[k]
		if s.N != want.N || !near(s.Recall, want.Recall) || !near(s.NDCG, want.NDCG) || !near(s.MRR, want.MRR) || !near(s.ZeroRate, want.ZeroRate) {
			t.Errorf("%s: %+v, want %+v", k, s, want)
		}
	}
	if _, ok := got["english"]; ok || len(got) != 3 {
		t.Errorf("kinds without queries are summarized: %v", got)
	}
}

func TestTable(t *testing.T) {
	kinds := []string{"typo", "plain", "plain"}
	engine := searcheval.Run{Name: "engine", Outcomes: outcomes(kinds, [][]string{{"A"}, {"A", "B"}, {"X", "A"}}, []string{"A", "B"})}
	like := searcheval.Run{Name: "LIKE", Outcomes: outcomes(kinds, [][]string{{}, {"B"}, {}}, []string{"A", "B"})}
	want := strings.Join([]string{
		"| kind | n | engine recall@10 | engine nDCG@10 | engine MRR | engine zero | LIKE recall@10 | LIKE nDCG@10 | LIKE MRR | LIKE zero |",
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
		"| typo | 1 | 0.500 | 0.613 | 1.000 | 0.000 | 0.000 | 0.000 | 0.000 | 1.000 |",
		"| plain | 2 | 0.750 | 0.693 | 0.750 | 0.000 | 0.250 | 0.307 | 0.500 | 0.500 |",
		"| all | 3 | 0.667 | 0.667 | 0.833 | 0.000 | 0.167 | 0.204 | 0.333 | 0.667 |",
	}, "\n") + "\n"
	if got := searcheval.Table(engine, like); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestParse(t *testing.T) {
	qs, err := searcheval.Parse(strings.NewReader("# a comment\n\nplain\t牛奶\tA | B\tmilk\ntypo\t牛乃\tA\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []searcheval.Query{
		{Kind: "plain", Text: "牛奶", Accepted: []string{"A", "B"}, Comment: "milk"},
		{Kind: "typo", Text: "牛乃", Accepted: []string{"A"}},
	}
	if len(qs) != len(want) {
		t.Fatalf("%+v, want %+v", qs, want)
	}
	for i := range want {
		if qs[i].Kind != want[i].Kind || qs[i].Text != want[i].Text || !slices.Equal(qs[i].Accepted, want[i].Accepted) || qs[i].Comment != want[i].Comment {
			t.Errorf("query %d: %+v, want %+v", i, qs[i], want[i])
		}
	}
	for _, bad := range []string{
		"plain\t牛奶\n",              // no accepted column
		"plain\t牛奶\tA\tc\textra\n", // too many columns
		"sport\t牛奶\tA\n",           // unknown kind
		"plain\t \tA\n",            // no query
		"plain\t牛奶\t | \n",         // accepts nothing
	} {
		if _, err := searcheval.Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestSearchTitles(t *testing.T) {
	for _, c := range []struct {
		body string
		want []string
	}{
		{`{"items":[{"id":1,"title":"A"},{"id":2,"title":"B"}],"total":2}`, []string{"A", "B"}},
		{`{"items":[{"id":1,"title":"A"}],"match":"partial"}`, []string{"A"}},
		// A fallback (best sellers) is no result.
		{`{"items":[{"id":1,"title":"A"}],"match":"none"}`, []string{}},
		{`{"items":[],"total":0}`, []string{}},
	} {
		got, err := searcheval.SearchTitles([]byte(c.body))
		if err != nil || got == nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, %v; want %q", c.body, got, err, c.want)
		}
	}
	if _, err := searcheval.SearchTitles([]byte(`<html>`)); err == nil {
		t.Error("an answer that is not JSON read")
	}
}

func TestEvaluate(t *testing.T) {
	qs := []searcheval.Query{{Kind: "plain", Text: "q1", Accepted: []string{"A"}}, {Kind: "typo", Text: "q2", Accepted: []string{"B"}}}
	answers := map[string][]string{"q1": {"X", "A"}, "q2": {}}
	out, err := searcheval.Evaluate(context.Background(), qs, func(_ context.Context, q string) ([]string, error) {
		return answers[q], nil
	})
	if err != nil || len(out) != 2 || out[0].Scores.RR != 0.5 || !out[1].Scores.Zero || out[1].Query.Text != "q2" {
		t.Fatalf("%+v, %v", out, err)
	}
	broken := errors.New("broken")
	if _, err := searcheval.Evaluate(context.Background(), qs, func(context.Context, string) ([]string, error) {
		return nil, broken
	}); !errors.Is(err, broken) {
		t.Fatalf("a ranker's error: %v", err)
	}
}

// TestJudgedSet checks the embedded judged set: big enough, every kind
// covered, no query twice, and every accepted title a demo product's.
func TestJudgedSet(t *testing.T) {
	qs, err := searcheval.Judged()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 88 {
		t.Errorf("%d judged queries, want at least 88", len(qs))
	}
	titles := map[string]bool{}
	for _, p := range seed.DemoProducts() {
		titles[p.Title] = true
	}
	perKind := map[string]int{}
	seen := map[string]bool{}
	for _, q := range qs {
		perKind[q.Kind]++
		if seen[q.Text] {
			t.Errorf("%q is judged twice", q.Text)
		}
		seen[q.Text] = true
		if len(q.Accepted) == 0 {
			t.Errorf("%q accepts nothing", q.Text)
		}
		for i, a := range q.Accepted {
			if !titles[a] {
				t.Errorf("%q accepts %q: not a demo title", q.Text, a)
			}
			if slices.Contains(q.Accepted[:i], a) {
				t.Errorf("%q accepts %q twice", q.Text, a)
			}
		}
	}
	for _, k := range searcheval.Kinds {
		if perKind[k] < 8 {
			t.Errorf("kind %s: %d queries, want at least 8", k, perKind[k])
		}
	}
}

func TestLike(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t, "sqlite")
	for _, p := range []struct {
		title   string
		sales   int64
		status  product.Status
		deleted bool
	}{
		{"光明 鲜牛奶", 5, product.StatusListed, false},
		{"蒙牛 纯牛奶", 9, product.StatusListed, false},
		{"伊利 纯牛奶", 5, product.StatusListed, false},
		{"牛奶 下架", 50, product.StatusUnlisted, false},
		{"牛奶 已删", 50, product.StatusListed, true},
		{"Oatly 燕麦奶", 1, product.StatusListed, false},
		{"100%_果汁", 1, product.StatusListed, false},
	} {
		c := db.Client.Product.Create().SetTitle(p.title).SetSales(p.sales).SetStatus(p.status)
		if p.deleted {
			c.SetDeletedAt(time.Now())
		}
		c.SaveX(ctx)
	}
	like := searcheval.Like(db.Client)
	for q, want := range map[string][]string{
		// Best sellers first, then by id; never unlisted or deleted.
		"牛奶":    {"蒙牛 纯牛奶", "光明 鲜牛奶", "伊利 纯牛奶"},
		"oatly": {"Oatly 燕麦奶"}, // SQLite ignores ASCII case
		"下架":    {},
		"已删":    {},
		"%_果":   {"100%_果汁"}, // % and _ are literal
		"%果":    {},
		"1_0":   {},
		"光明牛奶":  {},
	} {
		got, err := like(ctx, q)
		if err != nil || got == nil || !slices.Equal(got, want) {
			t.Errorf("%q: %q, %v; want %q", q, got, err, want)
		}
	}
}
