// Command plot draws learning curves: accuracy against the number of labelled
// training examples, on a logarithmic x axis, one line per model and one panel
// per dataset (and evaluation set), into one PNG file. With -md it also
// prints the same figures as a markdown table. bench/learning_curve.sh feeds
// it the runs it makes.
//
// Input (-in): a tab-separated file whose first line is a header naming the
// columns; columns are found by name, in any order, and columns of other
// names (seed, seconds, ...) are ignored. Blank lines and lines starting with
// '#' are skipped. Every other line is one training run:
//
//	dataset   the data set (non-empty): one panel per dataset
//	eval      optional: the evaluation set (dev, test); when the column is
//	          there, one panel per dataset and evaluation set
//	model     the model (non-empty): one line per model, the same colour and
//	          glyph in every panel, in the order of first appearance
//	labels    the number of labelled training examples the run used: an
//	          integer ≥ 1
//	accuracy  the run's accuracy on the evaluation set: a fraction in [0, 1]
//
// Runs with the same dataset, eval, model and labels are repeats (other
// seeds): the curve goes through their mean, and the error bar spans ± one
// sample standard deviation (n−1 in the denominator; no bar for a single
// run). Accuracy is drawn and tabulated in percent. An unreadable row is an
// error naming the file and line.
//
// Output (-out): a PNG of -cols panels a row, each -width × -height pixels,
// so the image is exactly cols·width × rows·height pixels, at -dpi dots per
// inch (which scales the text and lines). The file is replaced atomically.
//
// With -md the table has one row per dataset, eval and labels and one
// column per model; a cell is "mean ± sd (n)" in percent, or "mean" for a
// single run, or empty.
//
// Usage:
//
//	go run ./bench/plot -in bench/out/learning_curve.tsv -out docs/learning_curve.png [-md]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/mulan-nlp/mulan/modelfile"
)

func main() {
	in := flag.String("in", "", "TSV of runs (columns dataset, [eval,] model, labels, accuracy)")
	out := flag.String("out", "", "PNG file to write (none: no image)")
	md := flag.Bool("md", false, "print a markdown table of the means to stdout")
	var l layout
	flag.IntVar(&l.Width, "width", 640, "width of one panel in pixels")
	flag.IntVar(&l.Height, "height", 480, "height of one panel in pixels")
	flag.IntVar(&l.DPI, "dpi", 96, "dots per inch (scales text and lines)")
	flag.IntVar(&l.Cols, "cols", 3, "panels per row")
	flag.StringVar(&l.Title, "title", "", "text before each panel's title")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "plot: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if err := run(*in, *out, *md, l, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, out string, md bool, l layout, stdout io.Writer) error {
	if in == "" || (out == "" && !md) {
		return fmt.Errorf("need -in and at least one of -out, -md")
	}
	if err := l.validate(); err != nil {
		return err
	}
	runs, hasEval, err := readRuns(in)
	if err != nil {
		return err
	}
	panels, models := summarize(runs)
	if out != "" {
		if err := modelfile.WriteAtomic(out, func(w io.Writer) error { return drawPNG(w, panels, models, l) }); err != nil {
			return err
		}
	}
	if md {
		return writeMarkdown(stdout, panels, models, hasEval)
	}
	return nil
}

// runRow is one line of the input.
type runRow struct {
	Dataset, Eval, Model string
	Labels               int
	Accuracy             float64
}

// readRuns reads the runs of a TSV file; hasEval reports an eval column.
func readRuns(path string) (runs []runRow, hasEval bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	return parseRuns(path, f)
}

// parseRuns reads runs from r; name is used in error messages (name:line).
func parseRuns(name string, r io.Reader) (runs []runRow, hasEval bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	col := map[string]int{}
	var ncol, line int
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if ncol == 0 { // the header
			for i, h := range fields {
				h = strings.ToLower(strings.TrimSpace(h))
				if _, dup := col[h]; dup && h != "" {
					return nil, false, fmt.Errorf("%s:%d: column %q twice in the header", name, line, h)
				}
				col[h] = i
			}
			for _, need := range []string{"dataset", "model", "labels", "accuracy"} {
				if _, ok := col[need]; !ok {
					return nil, false, fmt.Errorf("%s:%d: the header has no %q column (need dataset, model, labels, accuracy; eval optional)", name, line, need)
				}
			}
			ncol = len(fields)
			_, hasEval = col["eval"]
			continue
		}
		if len(fields) != ncol {
			return nil, false, fmt.Errorf("%s:%d: %d fields, the header has %d", name, line, len(fields), ncol)
		}
		get := func(c string) string { return strings.TrimSpace(fields[col[c]]) }
		rr := runRow{Dataset: get("dataset"), Model: get("model")}
		if hasEval {
			rr.Eval = get("eval")
		}
		if rr.Dataset == "" || rr.Model == "" {
			return nil, false, fmt.Errorf("%s:%d: empty dataset or model", name, line)
		}
		n, err := strconv.Atoi(get("labels"))
		if err != nil || n < 1 {
			return nil, false, fmt.Errorf("%s:%d: labels %q is not an integer ≥ 1", name, line, get("labels"))
		}
		rr.Labels = n
		a, err := strconv.ParseFloat(get("accuracy"), 64)
		if err != nil || !(a >= 0 && a <= 1) {
			return nil, false, fmt.Errorf("%s:%d: accuracy %q is not a number in [0, 1]", name, line, get("accuracy"))
		}
		rr.Accuracy = a
		runs = append(runs, rr)
	}
	if err := sc.Err(); err != nil {
		return nil, false, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if ncol == 0 {
		return nil, false, fmt.Errorf("%s: no header line", name)
	}
	if len(runs) == 0 {
		return nil, false, fmt.Errorf("%s: no runs after the header", name)
	}
	return runs, hasEval, nil
}

// point is the summary of the runs of one model at one number of labels.
type point struct {
	Labels    int
	Mean, Std float64 // fractions; Std is the sample standard deviation (0 for one run)
	N         int
}

// panel is one dataset (and evaluation set): a curve per model, its points
// in increasing order of labels.
type panel struct {
	Dataset, Eval string
	Curves        map[string][]point
}

func (p panel) title() string {
	if p.Eval == "" {
		return p.Dataset
	}
	return p.Dataset + " (" + p.Eval + ")"
}

// summarize groups runs into panels (in order of first appearance) and
// returns the models in order of first appearance.
func summarize(runs []runRow) ([]panel, []string) {
	type key struct {
		panel int
		model string
		n     int
	}
	var (
		panels []panel
		models []string
		order  []key
	)
	pidx := map[[2]string]int{}
	acc := map[key][]float64{}
	for _, r := range runs {
		pk := [2]string{r.Dataset, r.Eval}
		i, ok := pidx[pk]
		if !ok {
			i = len(panels)
			pidx[pk] = i
			panels = append(panels, panel{Dataset: r.Dataset, Eval: r.Eval, Curves: map[string][]point{}})
		}
		if !slices.Contains(models, r.Model) {
			models = append(models, r.Model)
		}
		k := key{i, r.Model, r.Labels}
		if _, ok := acc[k]; !ok {
			order = append(order, k)
		}
		acc[k] = append(acc[k], r.Accuracy)
	}
	for _, k := range order {
		m, s := meanStd(acc[k])
		panels[k.panel].Curves[k.model] = append(panels[k.panel].Curves[k.model], point{k.n, m, s, len(acc[k])})
	}
	for _, p := range panels {
		for _, c := range p.Curves {
			slices.SortFunc(c, func(a, b point) int { return a.Labels - b.Labels })
		}
	}
	return panels, models
}

// meanStd returns the mean and the sample standard deviation (0 for fewer
// than two values).
func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// layout is the size of the image.
type layout struct {
	Width, Height, DPI, Cols int
	Title                    string
}

func (l layout) validate() error {
	if l.Width < 50 || l.Height < 50 || l.Width > 20000 || l.Height > 20000 {
		return fmt.Errorf("panel size %dx%d: each side must be 50 to 20000 pixels", l.Width, l.Height)
	}
	if l.DPI < 10 || l.DPI > 2000 {
		return fmt.Errorf("-dpi %d: must be 10 to 2000", l.DPI)
	}
	if l.Cols < 1 {
		return fmt.Errorf("-cols %d: must be at least 1", l.Cols)
	}
	return nil
}

// grid returns the number of rows and columns for n panels.
func (l layout) grid(n int) (rows, cols int) {
	cols = min(n, l.Cols)
	return (n + cols - 1) / cols, cols
}

// pct turns a curve into plot points in percent.
type pct []point

func (c pct) Len() int                    { return len(c) }
func (c pct) XY(i int) (float64, float64) { return float64(c[i].Labels), 100 * c[i].Mean }
func (c pct) YError(i int) (float64, float64) {
	return 100 * c[i].Std, 100 * c[i].Std
}

// drawPNG draws the panels (see the package documentation) as a PNG to w.
func drawPNG(w io.Writer, panels []panel, models []string, l layout) error {
	rows, cols := l.grid(len(panels))
	px := func(n int) vg.Length { return vg.Length(n) / vg.Length(l.DPI) * vg.Inch }
	img := vgimg.NewWith(vgimg.UseWH(px(cols*l.Width), px(rows*l.Height)), vgimg.UseDPI(l.DPI))
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = strings.TrimSpace(l.Title + " " + pn.title())
		p.X.Label.Text = "labelled training examples (log scale)"
		p.Y.Label.Text = "accuracy (%)"
		p.X.Scale = plot.LogScale{}
		p.Legend.Top, p.Legend.Left = false, false
		p.Add(plotter.NewGrid())
		var ticks []int
		for mi, m := range models {
			c, ok := pn.Curves[m]
			if !ok {
				continue
			}
			line, pts, err := plotter.NewLinePoints(pct(c))
			if err != nil {
				return fmt.Errorf("%s, %s: %w", pn.title(), m, err)
			}
			line.Color = plotutil.Color(mi)
			line.Dashes = plotutil.Dashes(mi)
			pts.Color = plotutil.Color(mi)
			pts.Shape = plotutil.Shape(mi)
			p.Add(line, pts)
			p.Legend.Add(m, line, pts)
			var spread pct
			for _, q := range c {
				ticks = append(ticks, q.Labels)
				if q.N > 1 {
					spread = append(spread, q)
				}
			}
			if len(spread) > 0 {
				bars, err := plotter.NewYErrorBars(spread)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", pn.title(), m, err)
				}
				bars.Color = plotutil.Color(mi)
				p.Add(bars)
			}
		}
		slices.Sort(ticks)
		ticks = slices.Compact(ticks)
		var marks plot.ConstantTicks
		for _, t := range ticks {
			marks = append(marks, plot.Tick{Value: float64(t), Label: strconv.Itoa(t)})
		}
		p.X.Tick.Marker = marks
		// Room on the log axis either side of the outer points.
		p.X.Min, p.X.Max = float64(ticks[0])/1.3, float64(ticks[len(ticks)-1])*1.3
		grid[i/cols][i%cols] = p
	}
	dc := draw.New(img)
	pad := vg.Length(8)
	canvases := plot.Align(grid, draw.Tiles{Rows: rows, Cols: cols, PadX: 2 * pad, PadY: 2 * pad,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// writeMarkdown prints the table described in the package documentation.
func writeMarkdown(w io.Writer, panels []panel, models []string, hasEval bool) error {
	bw := bufio.NewWriter(w)
	head := []string{"dataset"}
	if hasEval {
		head = append(head, "eval")
	}
	head = append(head, "labels")
	head = append(head, models...)
	fmt.Fprintf(bw, "| %s |\n", strings.Join(head, " | "))
	rule := make([]string, len(head))
	for i := range rule {
		rule[i] = "---:"
		if i < len(head)-len(models)-1 {
			rule[i] = "---"
		}
	}
	fmt.Fprintf(bw, "|%s|\n", strings.Join(rule, "|"))
	for _, pn := range panels {
		var ns []int
		for _, c := range pn.Curves {
			for _, q := range c {
				ns = append(ns, q.Labels)
			}
		}
		slices.Sort(ns)
		for _, n := range slices.Compact(ns) {
			row := []string{pn.Dataset}
			if hasEval {
				row = append(row, pn.Eval)
			}
			row = append(row, strconv.Itoa(n))
			for _, m := range models {
				cell := ""
				for _, q := range pn.Curves[m] {
					if q.Labels == n {
						cell = cellText(q)
					}
				}
				row = append(row, cell)
			}
			fmt.Fprintf(bw, "| %s |\n", strings.Join(row, " | "))
		}
	}
	return bw.Flush()
}

// cellText formats a point in percent: "mean ± sd (n)", or "mean" for one run.
func cellText(q point) string {
	if q.N == 1 {
		return fmt.Sprintf("%.2f", 100*q.Mean)
	}
	return fmt.Sprintf("%.2f ± %.2f (%d)", 100*q.Mean, 100*q.Std, q.N)
}
