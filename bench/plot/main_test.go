package main

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `# learning curve
dataset	eval	model	labels	seed	accuracy
SST-2	dev	pretrained	100	1	0.60
SST-2	dev	pretrained	100	2	0.70

SST-2	dev	pretrained	100	3	0.80
SST-2	dev	scratch	100	1	0.55
SST-2	dev	pretrained	2000	1	0.85
SST-2	test	pretrained	100	1	0.5
ChnSentiCorp	dev	linear	9600	1	1
`

func TestParseRuns(t *testing.T) {
	runs, hasEval, err := parseRuns("s.tsv", strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if !hasEval {
		t.Error("eval column not seen")
	}
	if len(runs) != 7 {
		t.Fatalf("%d runs, want 7", len(runs))
	}
	want := runRow{Dataset: "SST-2", Eval: "dev", Model: "scratch", Labels: 100, Accuracy: 0.55}
	if runs[3] != want {
		t.Errorf("run 3 = %+v, want %+v", runs[3], want)
	}
	// Columns found by name in any order; no eval column; CRLF line ends.
	runs, hasEval, err = parseRuns("t.tsv", strings.NewReader("accuracy\tlabels\tmodel\tdataset\r\n0.25\t7\tm\td\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if hasEval || len(runs) != 1 || runs[0] != (runRow{Dataset: "d", Model: "m", Labels: 7, Accuracy: 0.25}) {
		t.Errorf("got %+v (eval %v)", runs, hasEval)
	}
}

func TestParseRunsErrors(t *testing.T) {
	head := "dataset\tmodel\tlabels\taccuracy\n"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "x.tsv: no header line"},
		{"comments only", "# nothing\n\n", "x.tsv: no header line"},
		{"no runs", head, "x.tsv: no runs after the header"},
		{"missing column", "dataset\tmodel\tlabels\n", `x.tsv:1: the header has no "accuracy" column`},
		{"duplicate column", "dataset\tmodel\tmodel\tlabels\taccuracy\n", `x.tsv:1: column "model" twice`},
		{"short row", head + "d\tm\t100\t0.5\n\nd\tm\t100\n", "x.tsv:4: 3 fields, the header has 4"},
		{"long row", head + "d\tm\t100\t0.5\t1\n", "x.tsv:2: 5 fields, the header has 4"},
		{"labels not a number", head + "d\tm\tall\t0.5\n", `x.tsv:2: labels "all" is not an integer ≥ 1`},
		{"labels zero", head + "d\tm\t0\t0.5\n", `x.tsv:2: labels "0"`},
		{"accuracy percent", head + "d\tm\t100\t85.2\n", `x.tsv:2: accuracy "85.2" is not a number in [0, 1]`},
		{"accuracy NaN", head + "d\tm\t100\tNaN\n", `x.tsv:2: accuracy "NaN"`},
		{"accuracy empty", head + "d\tm\t100\t\n", `x.tsv:2: accuracy ""`},
		{"empty model", head + "# c\nd\t\t100\t0.5\n", "x.tsv:3: empty dataset or model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseRuns("x.tsv", strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadRunsMissingFile(t *testing.T) {
	if _, _, err := readRuns(filepath.Join(t.TempDir(), "none.tsv")); err == nil || !strings.Contains(err.Error(), "none.tsv") {
		t.Errorf("error %v, want one naming the file", err)
	}
}

func TestSummarize(t *testing.T) {
	runs, _, err := parseRuns("s.tsv", strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	panels, models := summarize(runs)
	if got := strings.Join(models, ","); got != "pretrained,scratch,linear" {
		t.Errorf("models %s, want first-appearance order", got)
	}
	var titles []string
	for _, p := range panels {
		titles = append(titles, p.title())
	}
	if got := strings.Join(titles, ","); got != "SST-2 (dev),SST-2 (test),ChnSentiCorp (dev)" {
		t.Errorf("panels %s", got)
	}
	c := panels[0].Curves["pretrained"]
	if len(c) != 2 || c[0].Labels != 100 || c[1].Labels != 2000 {
		t.Fatalf("curve %+v, want points at 100 and 2000", c)
	}
	// 0.6, 0.7, 0.8: mean 0.7, sample sd 0.1.
	if c[0].N != 3 || math.Abs(c[0].Mean-0.7) > 1e-12 || math.Abs(c[0].Std-0.1) > 1e-12 {
		t.Errorf("100 labels: %+v, want n 3, mean 0.7, sd 0.1", c[0])
	}
	if c[1].N != 1 || c[1].Std != 0 || c[1].Mean != 0.85 {
		t.Errorf("2000 labels: %+v", c[1])
	}
}

func TestWriteMarkdown(t *testing.T) {
	runs, hasEval, err := parseRuns("s.tsv", strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	panels, models := summarize(runs)
	var b bytes.Buffer
	if err := writeMarkdown(&b, panels, models, hasEval); err != nil {
		t.Fatal(err)
	}
	want := `| dataset | eval | labels | pretrained | scratch | linear |
|---|---|---:|---:|---:|---:|
| SST-2 | dev | 100 | 70.00 ± 10.00 (3) | 55.00 |  |
| SST-2 | dev | 2000 | 85.00 |  |  |
| SST-2 | test | 100 | 50.00 |  |  |
| ChnSentiCorp | dev | 9600 |  |  | 100.00 |
`
	if b.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRunWritesPNG(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "runs.tsv")
	if err := os.WriteFile(in, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cols, w, h, wantW, wantH int
	}{
		{3, 400, 300, 1200, 300}, // 3 panels in one row
		{2, 400, 300, 800, 600},  // 2 + 1
		{1, 320, 200, 320, 600},  // a column
	} {
		out := filepath.Join(dir, "curve.png")
		var md bytes.Buffer
		if err := run(in, out, true, layout{Width: tc.w, Height: tc.h, DPI: 96, Cols: tc.cols}, &md); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("%s does not start with the PNG signature", out)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != tc.wantW || cfg.Height != tc.wantH {
			t.Errorf("cols %d: image %dx%d, want %dx%d", tc.cols, cfg.Width, cfg.Height, tc.wantW, tc.wantH)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		// Something was drawn: not every pixel is the white background.
		b, drawn := img.Bounds(), false
		for y := b.Min.Y; y < b.Max.Y && !drawn; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				if r, g, bl, _ := img.At(x, y).RGBA(); r != 0xffff || g != 0xffff || bl != 0xffff {
					drawn = true
					break
				}
			}
		}
		if !drawn {
			t.Error("the image is blank")
		}
		if !strings.Contains(md.String(), "| SST-2 | dev | 100 |") {
			t.Errorf("no markdown table on stdout:\n%s", md.String())
		}
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "runs.tsv")
	if err := os.WriteFile(in, []byte("dataset\tmodel\tlabels\taccuracy\nd\tm\tx\t0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "c.png")
	ok := layout{Width: 400, Height: 300, DPI: 96, Cols: 2}
	for _, tc := range []struct {
		name, in, out string
		md            bool
		l             layout
		want          string
	}{
		{"no input", "", out, false, ok, "need -in"},
		{"no output", in, "", false, ok, "need -in"},
		{"bad row", in, out, false, ok, "runs.tsv:2: labels"},
		{"zero width", in, out, false, layout{Width: 0, Height: 300, DPI: 96, Cols: 1}, "panel size 0x300"},
		{"zero dpi", in, out, false, layout{Width: 400, Height: 300, DPI: 0, Cols: 1}, "-dpi 0"},
		{"zero cols", in, out, false, layout{Width: 400, Height: 300, DPI: 96, Cols: 0}, "-cols 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.in, tc.out, tc.md, tc.l, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a PNG was written although every run failed (stat: %v)", err)
	}
}
