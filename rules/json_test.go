package rules

import (
	"encoding/json"
	"reflect"
	"testing"
)

const nspkPath = "../examples/nspk.spthy"

func loadFile(t testing.TB, path string, opts Options) *Theory {
	t.Helper()
	th, diags := Load(path, opts)
	if diags.HasErrors() {
		t.Fatalf("%s does not load:\n%s", path, diagString(diags))
	}
	return th
}

// obj and arr walk decoded JSON, failing the test on a wrong shape.
func obj(t *testing.T, v any, path string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want a JSON object, got %T (%v)", path, v, v)
	}
	return m
}

func arr(t *testing.T, v any, path string) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want a JSON array, got %T (%v)", path, v, v)
	}
	return a
}

func TestJSONNSPK(t *testing.T) {
	th := loadFile(t, nspkPath, Options{})
	data, err := json.Marshal(th)
	if err != nil {
		t.Fatal(err)
	}
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("json.Marshal gave invalid JSON: %v", err)
	}
	top := obj(t, root, "theory")
	if top["theory"] != "NSPK" {
		t.Errorf("theory = %v, want NSPK", top["theory"])
	}
	if got := arr(t, top["builtins"], "builtins"); len(got) != 1 || got[0] != "asymmetric-encryption" {
		t.Errorf("builtins = %v", got)
	}
	for _, k := range []string{"functions", "equations", "rules", "restrictions", "lemmas", "flags", "defines"} {
		arr(t, top[k], k) // present and an array, even when empty
	}

	// Rule names, in source order.
	var names []string
	rules := map[string]map[string]any{}
	for _, r := range arr(t, top["rules"], "rules") {
		ro := obj(t, r, "rules[]")
		name, _ := ro["name"].(string)
		names = append(names, name)
		rules[name] = ro
	}
	wantNames := []string{"Key_setup", "Corrupt", "Init_send_1", "Resp_recv_1_send_2", "Init_recv_2_send_3", "Resp_recv_3"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("rules %v, want %v", names, wantNames)
	}

	// Init_send_1 outputs aenc(<'m1', ~na, $A>, pkB): check the whole tree.
	concs := arr(t, rules["Init_send_1"]["conclusions"], "Init_send_1.conclusions")
	out := obj(t, concs[0], "Init_send_1.conclusions[0]")
	if out["name"] != "Out" || out["text"] != "Out(aenc(<'m1', ~na, $A>, pkB))" {
		t.Errorf("first conclusion is %v %v", out["name"], out["text"])
	}
	pos := obj(t, out["pos"], "pos")
	if pos["file"] != nspkPath || pos["line"] != float64(36) || pos["column"] != float64(7) {
		t.Errorf("Out position %v, want %s:36:7", pos, nspkPath)
	}
	var wantTree any
	if err := json.Unmarshal([]byte(`{"fun": "aenc", "args": [
		{"fun": "pair", "args": [
			{"pub": "m1"},
			{"fun": "pair", "args": [{"var": "~na", "sort": "fresh"}, {"var": "$A", "sort": "pub"}]}]},
		{"var": "pkB", "sort": "msg"}]}`), &wantTree); err != nil {
		t.Fatal(err)
	}
	if got := arr(t, out["args"], "Out.args")[0]; !reflect.DeepEqual(got, wantTree) {
		t.Errorf("term tree of Out's argument:\n got %v\nwant %v", got, wantTree)
	}

	// A let-expanded premise: In(aenc(<'m1', na, A>, pk(skB))).
	prem := arr(t, rules["Resp_recv_1_send_2"]["premises"], "premises")
	if in := obj(t, prem[1], "premises[1]"); in["text"] != "In(aenc(<'m1', na, A>, pk(skB)))" {
		t.Errorf("let-expanded premise is %v", in["text"])
	}
	// Persistent facts are marked.
	if f := obj(t, prem[0], "premises[0]"); f["name"] != "SecretKey" || f["persistent"] != true {
		t.Errorf("premise 0 = %v, want persistent SecretKey", f)
	}

	// Lemmas: quantifier kinds and the quantified variables.
	lemmas := map[string]map[string]any{}
	for _, l := range arr(t, top["lemmas"], "lemmas") {
		lo := obj(t, l, "lemma")
		lemmas[lo["name"].(string)] = lo
	}
	if len(lemmas) != 5 {
		t.Errorf("got %d lemmas, want 5", len(lemmas))
	}
	for _, tc := range []struct {
		lemma, quant, op string
		vars             []any
	}{
		{"executable", "exists-trace", "ex", []any{"A", "B", "na", "nb", "#i", "#j"}},
		{"responder_nonce_secrecy", "all-traces", "all", []any{"A", "B", "nb", "#i"}},
		{"responder_agreement", "all-traces", "all", []any{"B", "A", "params", "#i"}},
	} {
		l := lemmas[tc.lemma]
		if l == nil {
			t.Errorf("lemma %s missing", tc.lemma)
			continue
		}
		if l["quantifier"] != tc.quant {
			t.Errorf("lemma %s: quantifier %v, want %s", tc.lemma, l["quantifier"], tc.quant)
		}
		f := obj(t, l["formula"], tc.lemma+".formula")
		if f["op"] != tc.op || !reflect.DeepEqual(f["vars"], tc.vars) {
			t.Errorf("lemma %s: formula %v %v, want %s %v", tc.lemma, f["op"], f["vars"], tc.op, tc.vars)
		}
		body := obj(t, arr(t, f["args"], "args")[0], "body")
		want := "implies"
		if tc.op == "ex" {
			want = "and"
		}
		if body["op"] != want {
			t.Errorf("lemma %s: body op %v, want %s", tc.lemma, body["op"], want)
		}
	}
	// The secrecy lemma ends in not(Ex #k. K(nb) @ #k).
	sec := obj(t, lemmas["responder_nonce_secrecy"]["formula"], "f")
	imp := obj(t, arr(t, sec["args"], "args")[0], "imp")
	neg := obj(t, arr(t, imp["args"], "args")[1], "not")
	ex := obj(t, arr(t, neg["args"], "args")[0], "ex")
	act := obj(t, arr(t, ex["args"], "args")[0], "action")
	if neg["op"] != "not" || ex["op"] != "ex" || !reflect.DeepEqual(ex["vars"], []any{"#k"}) || act["op"] != "action" {
		t.Errorf("secrecy conclusion has the wrong shape: %v", neg)
	}
	if fact := obj(t, act["fact"], "fact"); fact["name"] != "K" {
		t.Errorf("action fact %v, want K", fact["name"])
	}
	if tm := obj(t, act["time"], "time"); tm["var"] != "#k" || tm["sort"] != "temporal" {
		t.Errorf("action time %v", tm)
	}

	restr := arr(t, top["restrictions"], "restrictions")
	if len(restr) != 1 || obj(t, restr[0], "r")["name"] != "one_key_per_agent" {
		t.Errorf("restrictions %v", restr)
	}
}

func TestJSONGolden(t *testing.T) {
	th := loadFile(t, nspkPath, Options{})
	data, err := json.MarshalIndent(th, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/json/nspk.json", append(data, '\n'))
}

// TestJSONEmbeddedRestriction checks the JSON of a rule with _restrict:
// the rule gets an action and the theory a restriction naming the rule.
func TestJSONEmbeddedRestriction(t *testing.T) {
	th := loadString(t, "theory T begin\nrule R: [ In(x) ] --[ A(x), _restrict(not(x = 'a')) ]-> [ ]\nend")
	j := th.JSON()
	if len(j.Rules) != 1 || len(j.Rules[0].Actions) != 2 || j.Rules[0].Actions[1].Text != "Restr_R(x)" {
		t.Fatalf("rule actions %+v", j.Rules[0].Actions)
	}
	if len(j.Restrictions) != 1 {
		t.Fatalf("restrictions %+v", j.Restrictions)
	}
	r := j.Restrictions[0]
	if r.Name != "restr_R" || r.FromRule != "R" || r.Text != "All x #NOW. Restr_R(x) @ #NOW ==> not(x = 'a')" {
		t.Errorf("restriction %+v", r)
	}
}
