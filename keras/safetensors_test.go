package keras

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/nn"
)

// TestSafetensorsBytes checks the exact bytes for a small file, worked out
// from the format specification.
func TestSafetensorsBytes(t *testing.T) {
	a := nn.NewParam("a", 2)
	copy(a.Value.Data, []float32{1, -2})
	b := nn.NewParam("b.w", 1, 1)
	b.Value.Data[0] = 0.5
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, []*nn.Param{a, b}, nil); err != nil {
		t.Fatal(err)
	}
	hdr := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b.w":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	var want []byte
	want = binary.LittleEndian.AppendUint64(want, uint64(len(hdr)))
	want = append(want, hdr...)
	// 1.0 = 0x3f800000, -2.0 = 0xc0000000, 0.5 = 0x3f000000, little-endian.
	want = append(want, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0x3f)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("bytes\n%q\nwant\n%q", buf.Bytes(), want)
	}
	got, _, err := ReadSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["a"].Data, a.Value.Data) || !slices.Equal(got["b.w"].Shape, []int{1, 1}) {
		t.Errorf("read back %v", got)
	}
}

// independentRead parses a safetensors file without using the package's
// reader: header length, JSON entries, and the data section.
func independentRead(t *testing.T, data []byte) (map[string][]float32, map[string][]int, map[string]string) {
	t.Helper()
	n := binary.LittleEndian.Uint64(data)
	if (8+n)%8 != 0 {
		t.Errorf("data section starts at %d, not 8-byte aligned", 8+n)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	body := data[8+n:]
	vals, shapes := map[string][]float32{}, map[string][]int{}
	var meta map[string]string
	total := 0
	for k, v := range hdr {
		if k == "__metadata__" {
			json.Unmarshal(v, &meta)
			continue
		}
		var e struct {
			Dtype string
			Shape []int
			Off   []int `json:"data_offsets"`
		}
		json.Unmarshal(v, &e)
		if e.Dtype != "F32" {
			t.Errorf("%s: dtype %s", k, e.Dtype)
		}
		f := make([]float32, (e.Off[1]-e.Off[0])/4)
		for i := range f {
			f[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[e.Off[0]+4*i:]))
		}
		vals[k], shapes[k] = f, e.Shape
		total += e.Off[1] - e.Off[0]
	}
	if total != len(body) {
		t.Errorf("tensors cover %d of %d data bytes", total, len(body))
	}
	return vals, shapes, meta
}

func TestSavedSafetensorsReadable(t *testing.T) {
	m := Sequential(Embedding(7, 3), SimpleRNN(4, ReturnSequences()), SimpleRNN(2), Dense(1, Sigmoid))
	if err := m.Compile(Adam(1e-3), BinaryCrossentropy, Seed(11)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, WeightsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vals, shapes, meta := independentRead(t, data)
	if meta["format"] != FormatName || meta["format_version"] != "1" {
		t.Errorf("metadata %v", meta)
	}
	wantNames := []string{"embedding.weight", "simple_rnn.w_ih", "simple_rnn.w_hh", "simple_rnn.b_ih", "simple_rnn.b_hh",
		"simple_rnn_1.w_ih", "simple_rnn_1.w_hh", "simple_rnn_1.b_ih", "simple_rnn_1.b_hh", "dense.weight", "dense.bias"}
	if len(vals) != len(wantNames) {
		t.Errorf("%d tensors, want %d", len(vals), len(wantNames))
	}
	for _, p := range m.Params() {
		if !slices.Contains(wantNames, p.Name) {
			t.Errorf("unexpected parameter %q", p.Name)
		}
		if !slices.Equal(vals[p.Name], p.Value.Data) || !slices.Equal(shapes[p.Name], p.Value.Shape) {
			t.Errorf("%s: file %v %v, model %v %v", p.Name, shapes[p.Name], vals[p.Name], p.Value.Shape, p.Value.Data)
		}
	}
	if !slices.Equal(shapes["simple_rnn.w_ih"], []int{4, 3}) || !slices.Equal(shapes["dense.weight"], []int{1, 2}) {
		t.Errorf("PyTorch layouts: w_ih %v, dense %v", shapes["simple_rnn.w_ih"], shapes["dense.weight"])
	}

	// PyTorch reads it too (through an independent Python reader), when
	// Debian's python3-torch is installed.
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import torch").Run() != nil {
		t.Skip("python3 with torch not available; skipping the PyTorch read")
	}
	out, err := exec.Command(py, "testdata/read_safetensors.py", path).CombinedOutput()
	if err != nil {
		t.Fatalf("python reader: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if lines[0] != `metadata {"format": "mulan-keras", "format_version": "1"}` {
		t.Errorf("metadata line %q", lines[0])
	}
	for _, line := range lines[1:] {
		var name, shp string
		var sum float64
		f := strings.Fields(line)
		name, shp = f[0], strings.Join(f[1:len(f)-1], "")
		fmt.Sscan(f[len(f)-1], &sum)
		var want float64
		for _, v := range vals[name] {
			want += float64(v)
		}
		if shp != strings.ReplaceAll(fmt.Sprint(shapes[name]), " ", ",") || math.Abs(sum-want) > 1e-5*max(1, math.Abs(want)) {
			t.Errorf("torch read %s as %s sum %g; want %v sum %g", name, shp, sum, shapes[name], want)
		}
	}
	if len(lines)-1 != len(wantNames) {
		t.Errorf("torch read %d tensors", len(lines)-1)
	}
}

func TestReadSafetensorsRejects(t *testing.T) {
	p := nn.NewParam("w", 2)
	var buf bytes.Buffer
	WriteSafetensors(&buf, []*nn.Param{p}, nil)
	good := buf.Bytes()
	var buf3 bytes.Buffer
	WriteSafetensors(&buf3, []*nn.Param{nn.NewParam("a", 1), nn.NewParam("b", 1), nn.NewParam("c", 1)}, nil)
	overlap := []byte(strings.Replace(buf3.String(), `"data_offsets":[4,8]`, `"data_offsets":[8,12]`, 1))
	f16 := []byte(strings.Replace(string(good), `"F32"`, `"F16"`, 1))
	tests := map[string][]byte{
		"short":          good[:5],
		"header too big": append([]byte{0xff, 0, 0, 0, 0, 0, 0, 0}, good[8:]...),
		"truncated data": good[:len(good)-1],
		"overlap":        overlap,
		"dtype":          f16,
		"trailing":       append(slices.Clone(good), 0, 0, 0, 0),
	}
	for name, data := range tests {
		if _, _, err := ReadSafetensors(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
