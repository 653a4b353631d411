package format

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// The SVG charts use a monospace font, so that text widths are known
// without measuring: DejaVu Sans Mono advances 0.602 em per character.
const (
	svgFont     = "DejaVu Sans Mono, Menlo, Consolas, monospace"
	svgFontSize = 12
	charW       = 7.25
	lineH       = 16
	svgMargin   = 20
	arrowRow    = 30
)

func textW(s string) float64 { return float64(len([]rune(s))) * charW }

// WriteSVG writes every trace's message sequence chart as one SVG
// picture, charts one below the other.
func WriteSVG(w io.Writer, r *Run) error {
	var charts []*chart
	for _, v := range r.traced() {
		charts = append(charts, newChart(r.Theory, v, r.Lifelines))
	}
	empty := []string{"no trace to draw (" + r.Model + ")"}
	for _, v := range r.Verdicts {
		empty = append(empty, verdictLine(v))
	}
	var b bytes.Buffer
	writeSVGCharts(&b, charts, empty, true)
	decl, rest, _ := bytes.Cut(b.Bytes(), []byte("\n"))
	w.Write(append(decl, '\n'))
	for _, l := range r.warnings() {
		fmt.Fprintf(w, "<!-- %s -->\n", strings.ReplaceAll(l, "--", "- -"))
	}
	_, err := w.Write(rest)
	return err
}

// writeSVGCharts writes the charts as one <svg> element; standalone adds
// the XML declaration and namespace for a file of its own.
func writeSVGCharts(w io.Writer, charts []*chart, empty []string, standalone bool) {
	var body strings.Builder
	width, y := 0.0, float64(svgMargin)
	if len(charts) == 0 {
		// the lines of empty, one below the other
		for i, line := range empty {
			fmt.Fprintf(&body, "<text x=\"%d\" y=\"%d\">%s</text>\n", svgMargin, svgMargin+svgFontSize+i*lineH, xmlEscape(line))
			width = max(width, textW(line)+2*svgMargin)
		}
		y = float64(2*svgMargin + svgFontSize + (len(empty)-1)*lineH)
	}
	for i, c := range charts {
		if i > 0 {
			y += 2 * lineH
		}
		cw, ch := c.svg(&body, y)
		if cw > width {
			width = cw
		}
		y += ch
	}
	y += svgMargin
	if standalone {
		fmt.Fprintln(w, `<?xml version="1.0" encoding="UTF-8"?>`)
	}
	fmt.Fprintf(w, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"msc\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\" font-size=\"%d\">\n",
		num(width), num(y), num(width), num(y), svgFont, svgFontSize)
	fmt.Fprintf(w, "<defs>%s%s</defs>\n", marker("msc-arrow", "#222222"), marker("msc-arrow-adv", advColor))
	fmt.Fprintf(w, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n")
	io.WriteString(w, body.String())
	fmt.Fprintln(w, "</svg>")
}

// marker is an arrowhead of the given colour.
func marker(id, color string) string {
	return fmt.Sprintf(`<marker id="%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="%s"/></marker>`, id, color)
}

// num prints a coordinate with at most one decimal.
func num(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// noteW is the width of a note's box.
func noteW(lines []string) float64 {
	m := 0.0
	for _, l := range lines {
		if w := textW(l); w > m {
			m = w
		}
	}
	return m + 16
}

// headerLines are the lines of a lane's header box: its label, then its
// setup steps.
func (l *lane) headerLines() []string {
	lines := []string{l.Label}
	for _, s := range l.Setup {
		lines = append(lines, s.Lines...)
	}
	return lines
}

// columns places the lanes: every header, note and arrow label fits.
// Constraints are met by spreading a shortfall evenly over the gaps a
// constraint spans, the shortest spans first.
func (c *chart) columns() []float64 {
	n := len(c.Lanes)
	half := make([]float64, n) // half the widest box on each lane
	for i, l := range c.Lanes {
		half[i] = noteW(l.headerLines()) / 2
	}
	for _, r := range c.Rows {
		if !r.Arrow {
			if h := noteW(r.Lines) / 2; h > half[r.Lane] {
				half[r.Lane] = h
			}
		}
	}
	gap := make([]float64, n)
	for i := 1; i < n; i++ {
		gap[i] = half[i-1] + half[i] + 16
	}
	type need struct {
		a, b int
		d    float64
	}
	var needs []need
	for _, r := range c.Rows {
		if r.Arrow {
			a, b := r.From, r.To
			if a > b {
				a, b = b, a
			}
			needs = append(needs, need{a, b, textW(r.Lines[0]) + 24})
		}
	}
	for span := 1; span < n; span++ {
		for _, nd := range needs {
			if nd.b-nd.a != span {
				continue
			}
			sum := 0.0
			for i := nd.a + 1; i <= nd.b; i++ {
				sum += gap[i]
			}
			if sum < nd.d {
				extra := (nd.d - sum) / float64(span)
				for i := nd.a + 1; i <= nd.b; i++ {
					gap[i] += extra
				}
			}
		}
	}
	x := make([]float64, n)
	x[0] = svgMargin + half[0]
	for i := 1; i < n; i++ {
		x[i] = x[i-1] + gap[i]
	}
	return x
}

// The colours of the points the lemma speaks of.
const (
	markFill   = "#fff3c4"
	markStroke = "#d98b00"
)

// svg draws the chart at vertical offset top; it returns its width and
// height.
func (c *chart) svg(b *strings.Builder, top float64) (float64, float64) {
	x := c.columns()
	n := len(c.Lanes)
	right := x[n-1] + noteW(c.Lanes[n-1].headerLines())/2
	for _, r := range c.Rows {
		if !r.Arrow {
			if e := x[r.Lane] + noteW(r.Lines)/2; e > right {
				right = e
			}
		}
	}
	y := top
	fmt.Fprintf(b, "<g class=\"chart\">\n<text class=\"title\" x=\"%d\" y=\"%s\" font-weight=\"bold\">%s</text>\n", svgMargin, num(y+svgFontSize), xmlEscape(c.Title))
	if w := textW(c.Title) + svgMargin; w > right {
		right = w
	}
	y += lineH
	if c.Bindings != "" {
		line := "bindings: " + c.Bindings
		fmt.Fprintf(b, "<text class=\"bindings\" x=\"%d\" y=\"%s\" fill=\"#7a4f00\">%s</text>\n", svgMargin, num(y+svgFontSize), xmlEscape(line))
		if w := textW(line) + svgMargin; w > right {
			right = w
		}
		y += lineH
	}
	y += 10
	headTop := y
	headH := 0.0
	for _, l := range c.Lanes {
		if h := float64(len(l.headerLines()))*lineH + 12; h > headH {
			headH = h
		}
	}
	y += headH
	var rows strings.Builder
	for _, r := range c.Rows {
		if r.Arrow {
			x1, x2 := x[r.From], x[r.To]
			mid := (x1 + x2) / 2
			color, mark := "#222222", "msc-arrow"
			if r.From == c.Adv {
				color, mark = advColor, "msc-arrow-adv"
			}
			fmt.Fprintf(&rows, "<text class=\"msg\" x=\"%s\" y=\"%s\" text-anchor=\"middle\" stroke=\"#ffffff\" stroke-width=\"4\" paint-order=\"stroke\">%s</text>\n", num(mid), num(y+svgFontSize), xmlEscape(r.Lines[0]))
			fmt.Fprintf(&rows, "<line class=\"arrow\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"1.3\" marker-end=\"url(#%s)\"/>\n",
				num(x1), num(y+lineH+4), num(x2), num(y+lineH+4), color, mark)
			y += arrowRow
			continue
		}
		wd := noteW(r.Lines)
		h := float64(len(r.Lines))*lineH + 8
		fill, stroke, width, class := "#eef3fb", "#5b7db1", "1", "note"
		if r.Attacker {
			fill, stroke, class = "#fbe3e0", advColor, "note adversary"
		}
		id := ""
		if r.Step > 0 {
			class = "note step"
			id = fmt.Sprintf(" data-step=\"%d\"", r.Step)
		}
		if r.Mark != "" {
			fill, stroke, width = markFill, markStroke, "2"
			class += " lemma"
		}
		fmt.Fprintf(&rows, "<g class=\"%s\"%s><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"3\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
			class, id, num(x[r.Lane]-wd/2), num(y), num(wd), num(h), fill, stroke, width)
		for i, l := range r.Lines {
			weight := ""
			if i == 0 && r.Step > 0 {
				weight = " font-weight=\"bold\""
			}
			fmt.Fprintf(&rows, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\"%s>%s</text>\n", num(x[r.Lane]), num(y+4+float64(i)*lineH+svgFontSize), weight, xmlEscape(l))
		}
		rows.WriteString("</g>\n")
		y += h + 8
	}
	bottom := y + 4
	// lifelines under everything else; headers with the setup steps
	for i, l := range c.Lanes {
		stroke := "#888888"
		if i == c.Adv {
			stroke = advColor
		}
		fmt.Fprintf(b, "<line class=\"lifeline\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-dasharray=\"4 3\"/>\n",
			num(x[i]), num(headTop+headH), num(x[i]), num(bottom), stroke)
		lines := l.headerLines()
		wd := noteW(lines)
		fill, class := "#f0f0f0", "lane"
		if i == c.Adv {
			fill, class = "#fbe3e0", "lane adversary"
		}
		fmt.Fprintf(b, "<g class=\"%s\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"3\" fill=\"%s\" stroke=\"%s\"/>\n", class, num(x[i]-wd/2), num(headTop), num(wd), num(headH), fill, stroke)
		fmt.Fprintf(b, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n", num(x[i]), num(headTop+6+svgFontSize), xmlEscape(l.Label))
		for j, s := range l.Setup {
			ly := headTop + 6 + float64(j+1)*lineH
			attrs := ""
			if s.Mark != "" {
				fmt.Fprintf(b, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%d\" fill=\"%s\" stroke=\"%s\"/>\n", num(x[i]-wd/2+3), num(ly), num(wd-6), lineH, markFill, markStroke)
				attrs = " font-weight=\"bold\""
			}
			fmt.Fprintf(b, "<text class=\"setup\" data-step=\"%d\" x=\"%s\" y=\"%s\" text-anchor=\"middle\"%s>%s</text>\n", s.Step, num(x[i]), num(ly+svgFontSize-1), attrs, xmlEscape(s.Lines[0]))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString(rows.String())
	y = bottom + 8
	if len(c.Lets) > 0 {
		y += 6
		fmt.Fprintf(b, "<g class=\"lets\"><text x=\"%d\" y=\"%s\" font-weight=\"bold\">where</text>\n", svgMargin, num(y+svgFontSize))
		y += lineH
		for _, l := range c.Lets {
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%s\">%s</text>\n", svgMargin+16, num(y+svgFontSize), xmlEscape(l))
			if w := textW(l) + svgMargin + 16; w > right {
				right = w
			}
			y += lineH
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</g>\n")
	return right + svgMargin, y - top
}
