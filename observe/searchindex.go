package observe

import "github.com/prometheus/client_golang/prometheus"

// SearchIndexState is what the search index says of itself.
type SearchIndexState struct {
	// Ready: searches are answered.
	Ready bool
	// Progress is the share of a rebuild done, 0 to 1 (1 when ready).
	Progress float64
	// Documents is how many entities the index holds; -1 when unknown.
	Documents int64
	// Lag is how many graph versions the index is behind the store.
	Lag uint64
}

// ObserveSearchIndex exports the search index's state, read from state
// once per scrape: tupu_search_index_ready, _build_progress, _documents
// and _lag_versions. It does nothing on a nil *Metrics.
func (m *Metrics) ObserveSearchIndex(state func() SearchIndexState) {
	if m == nil {
		return
	}
	m.reg.MustRegister(searchIndexCollector{state})
}

var (
	searchIndexReady = prometheus.NewDesc("tupu_search_index_ready",
		"1 when the search index answers searches, 0 while it is being built.", nil, nil)
	searchIndexProgress = prometheus.NewDesc("tupu_search_index_build_progress",
		"Share of the search index's rebuild done, 0 to 1 (1 when it is ready).", nil, nil)
	searchIndexDocuments = prometheus.NewDesc("tupu_search_index_documents",
		"Entities the search index holds.", nil, nil)
	searchIndexLag = prometheus.NewDesc("tupu_search_index_lag_versions",
		"Graph versions the search index is behind the store: 0 when every commit is searchable.", nil, nil)
)

type searchIndexCollector struct{ state func() SearchIndexState }

func (searchIndexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- searchIndexReady
	ch <- searchIndexProgress
	ch <- searchIndexDocuments
	ch <- searchIndexLag
}

func (c searchIndexCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.state()
	ready := 0.0
	if st.Ready {
		ready = 1
	}
	ch <- prometheus.MustNewConstMetric(searchIndexReady, prometheus.GaugeValue, ready)
	ch <- prometheus.MustNewConstMetric(searchIndexProgress, prometheus.GaugeValue, st.Progress)
	if st.Documents >= 0 {
		ch <- prometheus.MustNewConstMetric(searchIndexDocuments, prometheus.GaugeValue, float64(st.Documents))
	}
	ch <- prometheus.MustNewConstMetric(searchIndexLag, prometheus.GaugeValue, float64(st.Lag))
}
