package searcheval_test

import (
	"fmt"
	"strings"
	"testing"

	"wemart/server/searcheval"
)

// BenchmarkRelevance evaluates the shop's search on the demo catalogue
// against the SQL LIKE baseline, logs the table per kind of query and
// reports the overall recall@10, nDCG@10, MRR and zero-result rate of both
// (the relevance `make bench` records; the time per op is one pass of the
// judged set through both).
func BenchmarkRelevance(b *testing.B) {
	d := serveDemo(b)
	var engine, baseline searcheval.Run
	for b.Loop() {
		engine, baseline = d.evaluate(b)
	}
	// Printed, not logged: a benchmark's log is cut to its first ten lines.
	fmt.Printf("\nBenchmarkRelevance: relevance on the demo catalogue\n\n%s\n", searcheval.Table(engine, baseline))
	for _, r := range []searcheval.Run{engine, baseline} {
		s := searcheval.Summarize(r.Outcomes)[searcheval.All]
		b.ReportMetric(s.Recall, strings.ToLower(r.Name)+"_recall@10")
		b.ReportMetric(s.NDCG, strings.ToLower(r.Name)+"_nDCG@10")
		b.ReportMetric(s.MRR, strings.ToLower(r.Name)+"_MRR")
		b.ReportMetric(s.ZeroRate, strings.ToLower(r.Name)+"_zero_rate")
	}
}
