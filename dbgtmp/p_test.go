package dbg
import ("testing"; "context"; "fmt"
 "github.com/tracebound/tracebound/rules"
 "github.com/tracebound/tracebound/queries")
func TestSDH(t *testing.T) {
	th, _ := rules.Load("../examples/signed-dh.spthy", rules.Options{})
	o := queries.DefaultOptions(); o.Depth = 5
	v, err := queries.NewChecker(th, o).Check(context.Background(), th.Lemma("executable"))
	fmt.Println(v.Summary(), err, v.Time, v.Replay)
}
