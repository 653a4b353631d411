package scan

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

func TestScan(t *testing.T) {
	f, _ := os.Open("/work/shared/corpus/expected.tsv")
	sc := bufio.NewScanner(f)
	sc.Scan()
	type row struct{ model, lemma, kind, res, theory string }
	var rows []row
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if p[6] != "free" {
			continue
		}
		rows = append(rows, row{p[0], p[1], p[2], p[3], p[6]})
	}
	depth := 6
	if d := os.Getenv("DEPTH"); d != "" {
		fmt.Sscan(d, &depth)
	}
	only := os.Getenv("ONLY")
	for _, r := range rows {
		if only != "" && !strings.Contains(r.model+" "+r.lemma, only) {
			continue
		}
		path := "/work/shared/corpus/" + r.model
		th, diags := rules.Load(path, rules.Options{})
		if diags.HasErrors() {
			fmt.Printf("%s\t%s\tLOAD-ERROR %v\n", r.model, r.lemma, diags.Errors()[0])
			continue
		}
		l := th.Lemma(r.lemma)
		if l == nil {
			fmt.Printf("%s\t%s\tNO-LEMMA\n", r.model, r.lemma)
			continue
		}
		c := queries.NewChecker(th, queries.Options{Depth: depth, Timeout: 30 * time.Second})
		t0 := time.Now()
		v, err := c.Check(context.Background(), l)
		el := time.Since(t0).Round(time.Millisecond)
		if err != nil {
			fmt.Printf("%s\t%s\t%s\t%s\tERROR %v\t%s\n", r.model, r.lemma, r.kind, r.res, err, el)
			continue
		}
		flag := ""
		if r.kind == "all-traces" && r.res == "verified" && v.Kind == queries.Falsified {
			flag = "CONTRADICTION"
		}
		fmt.Printf("%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.model, r.lemma, r.kind, r.res, v.Kind, v.Depth, el, flag+" "+v.Reason)
	}
}
