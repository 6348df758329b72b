// Package metricstest reads a /metrics scrape back in tests, so they can
// check what an operator's Prometheus would see rather than poking at
// collectors.
package metricstest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Samples are the samples of one scrape, by name and labels. A histogram
// appears as its _count and _sum samples.
type Samples map[string]float64

// Parse reads Prometheus's text format.
func Parse(text []byte) (Samples, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return nil, err
	}
	out := Samples{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName(), l.GetValue())
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key(name, labels)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key(name, labels)] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key(name+"_count", labels)] = float64(m.GetHistogram().GetSampleCount())
				out[key(name+"_sum", labels)] = m.GetHistogram().GetSampleSum()
			case dto.MetricType_UNTYPED:
				out[key(name, labels)] = m.GetUntyped().GetValue()
			}
		}
	}
	return out, nil
}

// Get is the sample name{labels} (labels as name, value pairs, in any
// order), 0 when the scrape has no such sample.
func (s Samples) Get(name string, labels ...string) float64 { return s[key(name, labels)] }

// Has reports whether the scrape has the sample name{labels}.
func (s Samples) Has(name string, labels ...string) bool {
	_, ok := s[key(name, labels)]
	return ok
}

// Families lists the metric names of samples whose name starts with prefix.
func (s Samples) Families(prefix string) []string {
	var names []string
	for k := range s {
		name, _, _ := strings.Cut(k, "{")
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Labels lists the values label takes among the samples of name.
func (s Samples) Labels(name, label string) []string {
	var values []string
	for k := range s {
		n, rest, _ := strings.Cut(k, "{")
		if n != name {
			continue
		}
		for _, pair := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
			if l, v, ok := strings.Cut(pair, "="); ok && l == label {
				values = append(values, v)
			}
		}
	}
	slices.Sort(values)
	return slices.Compact(values)
}

// key is name{l1=v1,l2=v2} with the labels sorted by name.
func key(name string, labels []string) string {
	if len(labels)%2 != 0 {
		panic(fmt.Sprintf("metricstest: odd label list %q", labels))
	}
	pairs := make([]string, 0, len(labels)/2)
	for i := 0; i < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+"="+labels[i+1])
	}
	slices.Sort(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}
