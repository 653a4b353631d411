package format

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// The dependency graph drawn as SVG without Graphviz: a layered layout
// from top to bottom, so that the picture grows down the page rather
// than across it (a trace's facts make wide nodes). A node's layer (its
// row) is one more than the largest layer of the nodes that feed it;
// within a row nodes are sorted by the mean position of their
// predecessors (then by step) and the row is centred. An edge runs from
// a conclusion's line to a premise's line as a curve, leaving and
// entering on the sides that face each other (both on the right when
// one node is below the other).

type placed struct {
	n          *gnode
	layer, pos int
	x, y, w, h float64
	lines      []gline
	in, out    map[string]float64 // port → y offset
}

type gline struct {
	text  string
	class string // "fact", "head", "act", "adv"
}

const (
	gRowGap = 46 // between rows
	gColGap = 40 // between nodes in a row
)

func (g *graph) layout() ([]*placed, float64, float64) {
	byID := map[string]*placed{}
	var ps []*placed
	for _, n := range g.nodes {
		p := &placed{n: n, in: map[string]float64{}, out: map[string]float64{}}
		y := 6.0
		add := func(text, class string) float64 {
			p.lines = append(p.lines, gline{text, class})
			mid := y + lineH/2
			y += lineH
			return mid
		}
		if n.Step >= 0 {
			for i, f := range n.Premises {
				p.in[fmt.Sprintf("p%d", i)] = add(f, "fact")
			}
			if len(n.Premises) > 0 {
				y += 4
			}
			head := fmt.Sprintf("#%d: %s", n.Step+1, n.Rule)
			if n.Mark != "" {
				head += " (" + n.Mark + ")"
			}
			mid := add(head, "head")
			for _, a := range n.Actions {
				add(a, "act")
			}
			p.in[""], p.out[""] = mid, mid
			if len(n.Conclusions) > 0 {
				y += 4
			}
			for i, f := range n.Conclusions {
				p.out[fmt.Sprintf("c%d", i)] = add(f, "fact")
			}
		} else {
			mid := add(n.Label, "adv")
			add(n.Term, "fact")
			p.in[""], p.out[""] = mid+lineH/2, mid+lineH/2
		}
		p.h = y + 6
		for _, l := range p.lines {
			if w := textW(l.text) + 16; w > p.w {
				p.w = w
			}
		}
		byID[n.ID] = p
		ps = append(ps, p)
	}
	preds := map[*placed][]*placed{}
	for _, e := range g.edges {
		a, b := byID[e.From], byID[e.To]
		if a != nil && b != nil {
			preds[b] = append(preds[b], a)
		}
	}
	// longest-path layers (the graph is acyclic: edges follow time)
	for range ps {
		changed := false
		for _, p := range ps {
			for _, q := range preds[p] {
				if q.layer+1 > p.layer {
					p.layer, changed = q.layer+1, true
				}
			}
		}
		if !changed {
			break
		}
	}
	nl := 0
	for _, p := range ps {
		if p.layer+1 > nl {
			nl = p.layer + 1
		}
	}
	layers := make([][]*placed, nl)
	for _, p := range ps {
		layers[p.layer] = append(layers[p.layer], p)
	}
	// rows, each centred on the widest (a row's width does not depend on
	// its order), its nodes in the order of the mean centre of their
	// predecessors
	width := 0.0
	rowW := make([]float64, nl)
	for li, l := range layers {
		for _, p := range l {
			rowW[li] += p.w + gColGap
		}
		rowW[li] -= gColGap
		width = max(width, rowW[li])
	}
	y := float64(svgMargin)
	for li, l := range layers {
		if li > 0 {
			bary := map[*placed]float64{}
			for _, p := range l {
				sum, n := 0.0, 0
				for _, q := range preds[p] {
					sum += q.x + q.w/2
					n++
				}
				if n > 0 {
					bary[p] = sum / float64(n)
				}
			}
			sort.SliceStable(l, func(i, j int) bool { return bary[l[i]] < bary[l[j]] })
		}
		x := svgMargin + (width-rowW[li])/2
		hmax := 0.0
		for i, p := range l {
			p.pos = i
			p.x, p.y = x, y
			x += p.w + gColGap
			hmax = max(hmax, p.h)
		}
		y += hmax + gRowGap
	}
	return ps, width + 2*svgMargin, y - gRowGap + svgMargin
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// writeGraphSVG draws the graph as an <svg> element.
func (g *graph) writeGraphSVG(w io.Writer, id string) {
	ps, width, height := g.layout()
	byID := map[string]*placed{}
	for _, p := range ps {
		byID[p.n.ID] = p
	}
	letsY := height
	if len(g.p.order) > 0 {
		height += lineH * float64(len(g.p.order)+1)
		for _, l := range g.p.order {
			if w := textW(l.Name+" = "+g.p.body(l.Term)) + 2*svgMargin + 16; w > width {
				width = w
			}
		}
	}
	height += svgMargin
	// the edges first: the curves around the right may widen the picture
	var edges strings.Builder
	for _, e := range g.edges {
		a, b := byID[e.From], byID[e.To]
		if a == nil || b == nil {
			continue
		}
		// leave and enter on the sides that face each other; both on the
		// right when the nodes overlap across
		y1, y2 := a.y+a.out[e.FromPort], b.y+b.in[e.ToPort]
		var x1, x2, c1, c2 float64
		switch {
		case b.x >= a.x+a.w: // b to the right
			x1, x2 = a.x+a.w, b.x
			dx := max(30, (x2-x1)/2)
			c1, c2 = x1+dx, x2-dx
		case b.x+b.w <= a.x: // b to the left
			x1, x2 = a.x, b.x+b.w
			dx := max(30, (x1-x2)/2)
			c1, c2 = x1-dx, x2+dx
		default: // b below: around the right
			x1, x2 = a.x+a.w, b.x+b.w
			c1 = max(x1, x2) + 30 + abs(y2-y1)/10
			c2 = c1
		}
		style := fmt.Sprintf(`stroke="#222222" marker-end="url(#%s-lin)"`, id)
		switch e.Kind {
		case "persistent":
			style = fmt.Sprintf(`stroke="#666666" stroke-dasharray="5 3" marker-end="url(#%s-per)"`, id)
		case "adversary":
			style = fmt.Sprintf(`stroke="%s" marker-end="url(#%s-adv)"`, advColor, id)
		}
		fmt.Fprintf(&edges, "<path class=\"edge %s\" d=\"M %s %s C %s %s, %s %s, %s %s\" fill=\"none\" stroke-width=\"1.2\" %s/>\n",
			e.Kind, num(x1), num(y1), num(c1), num(y1), num(c2), num(y2), num(x2), num(y2), style)
		// a cubic curve stays within its control points
		width = max(width, c1+svgMargin, c2+svgMargin)
	}
	fmt.Fprintf(w, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\" font-size=\"%d\">\n",
		num(width), num(height), num(width), num(height), svgFont, svgFontSize)
	fmt.Fprintf(w, "<defs>%s%s%s</defs>\n", marker(id+"-lin", "#222222"), marker(id+"-per", "#666666"), marker(id+"-adv", advColor))
	fmt.Fprintln(w, `<rect width="100%" height="100%" fill="#ffffff"/>`)
	io.WriteString(w, edges.String())
	for _, p := range ps {
		class, fill, stroke, rx, width := "node step", "#f7f7f7", "#333333", "2", "1"
		if p.n.Step < 0 {
			class, fill, stroke, rx = "node adversary", "#fbe3e0", advColor, "8"
		}
		if p.n.Mark != "" {
			class, fill, stroke, width = class+" lemma", markFill, markStroke, "2"
		}
		data := ""
		if p.n.Step >= 0 {
			data = fmt.Sprintf(" data-step=\"%d\"", p.n.Step+1)
		}
		fmt.Fprintf(w, "<g class=\"%s\"%s><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"%s\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
			class, data, num(p.x), num(p.y), num(p.w), num(p.h), rx, fill, stroke, width)
		y := p.y + 6
		for i, l := range p.lines {
			if i > 0 && l.class == "head" && p.lines[i-1].class == "fact" {
				y += 4
				fmt.Fprintf(w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#bbbbbb\"/>\n", num(p.x), num(y-2), num(p.x+p.w), num(y-2))
			}
			if i > 0 && l.class == "fact" && p.n.Step >= 0 && p.lines[i-1].class != "fact" {
				y += 4
				fmt.Fprintf(w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#bbbbbb\"/>\n", num(p.x), num(y-2), num(p.x+p.w), num(y-2))
			}
			attrs := ""
			switch l.class {
			case "head", "adv":
				attrs = ` font-weight="bold"`
			case "act":
				attrs = ` fill="#1f4e8c"`
			}
			fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\"%s>%s</text>\n", num(p.x+8), num(y+svgFontSize), attrs, xmlEscape(l.text))
			y += lineH
		}
		fmt.Fprintln(w, "</g>")
	}
	if len(g.p.order) > 0 {
		y := letsY
		fmt.Fprintf(w, "<g class=\"lets\"><text x=\"%d\" y=\"%s\" font-weight=\"bold\">where</text>\n", svgMargin, num(y+svgFontSize))
		for _, l := range g.p.order {
			y += lineH
			fmt.Fprintf(w, "<text x=\"%d\" y=\"%s\">%s</text>\n", svgMargin+16, num(y+svgFontSize), xmlEscape(l.Name+" = "+g.p.body(l.Term)))
		}
		fmt.Fprintln(w, "</g>")
	}
	fmt.Fprintln(w, "</svg>")
}
