package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"tupu/graph"
	"tupu/graph/limits"
)

// W6: refusals. The cost budget refuses a fan-out query before it runs
// (docs/cost.md); the goal is a refusal within 10 ms with an answer under
// 8 KB, on a generated graph of 100,000 entities.
const (
	refusalGoalLatency = 10 * time.Millisecond
	refusalGoalBytes   = 8 << 10
	// refusalProbes is how many times each query is sent one at a time,
	// by a lone client, for the latency the goal is judged on.
	refusalProbes = 200
)

// refusalQueries are W6's queries: the fan-out queries of docs/cost.md.
var refusalQueries = []struct{ name, query string }{
	{"six levels of first: 100 (depth 12)", graph.FanOutQuery(6)},
	{"entities → relations → relations → name, first: 100 each", graph.RelationsOfRelationsQuery},
}

// refusal is what W6 measured of one query, sent by a lone client.
type refusal struct {
	name                 string
	bytes                int
	estimate, field, mul string
	first                time.Duration // its recording: the server's first sight of it
	p50, p99, max        time.Duration
	differing, failed    int // answers other than the recorded refusal; transport errors
}

// missed says how the refusal misses the goal, or "" when it meets it;
// the latency is judged on the lone client's p99.
func (r refusal) missed() string {
	var why []string
	if r.p99 > refusalGoalLatency {
		why = append(why, fmt.Sprintf("p99 %s over %s", fmtDur(r.p99), fmtDur(refusalGoalLatency)))
	}
	if r.bytes >= refusalGoalBytes {
		why = append(why, fmt.Sprintf("%d bytes, not under %d", r.bytes, refusalGoalBytes))
	}
	if r.differing > 0 || r.failed > 0 {
		why = append(why, fmt.Sprintf("%d answers not the refusal, %d failed", r.differing, r.failed))
	}
	return strings.Join(why, "; ")
}

// w6 records the refusals of refusalQueries (each must be refused with
// COMPLEXITY_LIMIT; one that is not misses the goal, and says so in the
// notes) and sends each refusalProbes times one at a time, before the
// load windows, for their latency. The requests it returns are measured
// under load as every workload's are.
func (h *harness) w6(ctx context.Context, budget time.Duration, notes *[]string) ([]request, []refusal, error) {
	var reqs []request
	var out []refusal
	for _, q := range refusalQueries {
		rs, failed, firstErr, err := h.record(ctx, [][]byte{gqlBody(q.query, nil)}, 1, budget, false, limits.CodeComplexity)
		if err != nil {
			return nil, nil, err
		}
		if failed > 0 || len(rs) == 0 {
			note := fmt.Sprintf("W6: GOAL MISSED: %s was not refused with %s: %s", q.name, limits.CodeComplexity, firstErr)
			*notes = append(*notes, note)
			fmt.Println(note)
			continue
		}
		r := rs[0]
		ref := refusal{name: q.name, bytes: len(r.want), first: r.first}
		if errs, _ := answerErrors(r.want); len(errs) > 0 {
			x := errs[0].Extensions
			ref.estimate, ref.field, ref.mul = string(x.Value), x.Field, string(x.Multiplier)
		}
		lat := make([]time.Duration, 0, refusalProbes)
		for range refusalProbes {
			start := time.Now()
			status, b, err := post(ctx, h.client, h.tupu.url, r.body, h.tupu.header)
			lat = append(lat, time.Since(start))
			switch {
			case ctx.Err() != nil:
				return nil, nil, ctx.Err()
			case err != nil:
				ref.failed++
			case status != http.StatusOK || !bytes.Equal(b, r.want):
				ref.differing++
			}
		}
		slices.Sort(lat)
		ref.p50, ref.p99, ref.max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
		status(fmt.Sprintf("W6 %s: refused, %d bytes, p50 %s, p99 %s", q.name, ref.bytes, fmtDur(ref.p50), fmtDur(ref.p99)))
		if why := ref.missed(); why != "" {
			note := fmt.Sprintf("W6: GOAL MISSED: %s: %s", q.name, why)
			*notes = append(*notes, note)
			fmt.Println(note)
		}
		reqs = append(reqs, r)
		out = append(out, ref)
	}
	if len(out) > 0 {
		*notes = append(*notes, fmt.Sprintf("W6: the refusals table's latencies are of %d requests per query sent one at a time before the load windows (a lone client); the goal (refused within %s, answers under %d KB) is judged on their p99 and the answer's size; W6's rows in the table above are the same refusals under load", refusalProbes, refusalGoalLatency, refusalGoalBytes>>10))
	}
	return reqs, out, nil
}

func renderRefusals(rs []refusal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| W6 query | estimate | field (multiplier) | answer bytes | first | p50 | p99 | max | goal (%s, under %d KB) |\n", refusalGoalLatency, refusalGoalBytes>>10)
	b.WriteString("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, r := range rs {
		goal := "met"
		if why := r.missed(); why != "" {
			goal = "**MISSED**: " + why
		}
		fmt.Fprintf(&b, "| %s | %s | %s (%s) | %d | %s | %s | %s | %s | %s |\n",
			r.name, r.estimate, r.field, r.mul, r.bytes, fmtDur(r.first), fmtDur(r.p50), fmtDur(r.p99), fmtDur(r.max), goal)
	}
	return b.String()
}
