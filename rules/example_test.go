package rules_test

import (
	"fmt"
	"os"

	"github.com/tracebound/tracebound/rules"
)

func ExampleParse() {
	src := `theory Hello
begin

builtins: hashing

macros: tag(x) = <'hello', x>

rule Send:
  let m = h(tag(~n))
  in
    [ Fr(~n) ] --[ Sent(~n) ]-> [ Out(m) ]

lemma can_send:
  exists-trace
  "Ex n #i. Sent(n) @ #i"

end
`
	th, diags := rules.Parse("hello.spthy", []byte(src), rules.Options{})
	if diags.HasErrors() {
		diags.Print(os.Stdout)
		return
	}
	fmt.Printf("%s: %d rule, %d lemma (%s)\n", th.Name, len(th.Rules), len(th.Lemmas), th.Lemmas[0].Quantifier)
	fmt.Println("conclusion:", th.Rules[0].Conclusions[0])
	fmt.Println()
	th.Print(os.Stdout)
	// Output:
	// Hello: 1 rule, 1 lemma (exists-trace)
	// conclusion: Out(h(<'hello', ~n>))
	//
	// theory Hello
	// begin
	//
	// builtins: hashing
	//
	// rule Send:
	//     [ Fr(~n) ]
	//   --[ Sent(~n) ]->
	//     [ Out(h(<'hello', ~n>)) ]
	//
	// lemma can_send:
	//   exists-trace
	//   "Ex n #i. Sent(n) @ #i"
	//
	// end
}

func ExampleDiagnostics_Print() {
	src := "theory Broken\nbegin\nrule R:\n  [ In(x) ] --> [ Out(hh(x)) ]\nend\n"
	_, diags := rules.Parse("broken.spthy", []byte(src), rules.Options{})
	diags.Print(os.Stdout)
	// Output:
	// broken.spthy:4:23: error: unknown function symbol hh/1
	//  4 |   [ In(x) ] --> [ Out(hh(x)) ]
	//    |                       ^
}
