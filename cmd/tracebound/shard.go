package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

// shardSpec is --shard I/N: the I-th of N shards (1 ≤ I ≤ N).
type shardSpec struct{ index, count int }

func parseShard(s string) (shardSpec, error) {
	i, n, ok := strings.Cut(s, "/")
	a, err1 := strconv.Atoi(strings.TrimSpace(i))
	b, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || b < 1 || a < 1 || a > b {
		return shardSpec{}, fmt.Errorf("bad --shard %q: want I/N with 1 ≤ I ≤ N, e.g. 2/4", s)
	}
	return shardSpec{a, b}, nil
}

// lemmaCost is a cheap estimate of how long a lemma takes to check, to
// balance shards: an all-traces lemma searches every depth when it holds,
// an exists-trace lemma usually stops at a short witness; a bigger
// formula (atoms and quantified variables) makes a bigger problem.
func lemmaCost(l *rules.Lemma) int {
	size := 1
	if l.Formula != nil {
		rules.WalkFormula(l.Formula, func(f rules.Formula) {
			switch f := f.(type) {
			case *rules.Atom:
				size++
			case *rules.Quant:
				size += len(f.Vars)
			}
		})
	}
	if l.Quantifier == rules.ExistsTrace {
		return size
	}
	return 4 * size
}

// assignShards spreads the lemmas over n shards: the costliest first,
// each to the shard with the least cost so far (the lowest-numbered on a
// tie; lemmas of equal cost in the model's order). The assignment depends
// only on the model and the selected lemmas: every shard of a CI matrix
// computes the same one. It maps each lemma's name to its shard (1-based).
func assignShards(lemmas []*rules.Lemma, n int) map[string]int {
	order := make([]int, len(lemmas))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lemmaCost(lemmas[order[a]]) > lemmaCost(lemmas[order[b]]) })
	load := make([]int, n)
	out := map[string]int{}
	for _, i := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += lemmaCost(lemmas[i])
		out[lemmas[i].Name] = best + 1
	}
	return out
}

// shardLemmas returns the lemmas of shard sh, in the model's order, and
// the whole assignment for the report.
func shardLemmas(th *rules.Theory, lemmas []*rules.Lemma, sh shardSpec) ([]*rules.Lemma, *queries.ShardJSON) {
	assign := assignShards(lemmas, sh.count)
	index := map[*rules.Lemma]int{}
	for i, l := range th.Lemmas {
		index[l] = i + 1
	}
	var out []*rules.Lemma
	js := &queries.ShardJSON{Index: sh.index, Count: sh.count, Lemmas: []*queries.ShardLemmaJSON{}}
	for _, l := range lemmas {
		if assign[l.Name] == sh.index {
			out = append(out, l)
		}
		js.Lemmas = append(js.Lemmas, &queries.ShardLemmaJSON{Lemma: l.Name, Quantifier: l.Quantifier.String(), Index: index[l], Shard: assign[l.Name]})
	}
	return out, js
}
