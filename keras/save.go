package keras

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
)

// On disk a model is a directory holding
//
//	config.json        the architecture, loss, metrics and seed, the format
//	                   name and version, and the size and CRC-32C of the weights
//	model.safetensors  the weights in the safetensors format, readable by
//	                   PyTorch and Hugging Face (safetensors.torch.load_file)
//
// Both files are written atomically (weights first), so an interrupted save
// leaves either the old model or a config whose checksum refuses the
// mismatched weights.
const (
	// FormatName identifies a keras model directory.
	FormatName = "mulan-keras"
	// FormatVersion is the version this package writes and the newest it reads.
	FormatVersion = 1
	// ConfigFile and WeightsFile are the names of the two files.
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type fileConfig struct {
	Format        string        `json:"format"`
	FormatVersion int           `json:"format_version"`
	Layers        []layerConfig `json:"layers"`
	Loss          string        `json:"loss,omitempty"`
	Metrics       []string      `json:"metrics,omitempty"`
	Seed          int64         `json:"seed"`
	Weights       string        `json:"weights"`
	WeightsBytes  int64         `json:"weights_bytes"`
	WeightsCRC32C uint32        `json:"weights_crc32c"`
}

// Save writes the model to the directory dir (created if needed).
func (m *Model) Save(dir string) error {
	if !m.built {
		return errors.New("keras: Save: the model is not built; call Compile first")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, m.ps, map[string]string{"format": FormatName, "format_version": fmt.Sprint(FormatVersion)}); err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	weights := buf.Bytes()
	cfg := fileConfig{
		Format: FormatName, FormatVersion: FormatVersion, Seed: m.cfg.seed,
		Weights: WeightsFile, WeightsBytes: int64(len(weights)), WeightsCRC32C: crc32.Checksum(weights, castagnoli),
	}
	for _, l := range m.layers {
		cfg.Layers = append(cfg.Layers, l.config())
	}
	if m.loss != 0 {
		cfg.Loss = m.loss.String()
	}
	if m.cfg.accuracy {
		cfg.Metrics = []string{Accuracy.String()}
	}
	js, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	js = append(js, '\n')
	write := func(name string, data []byte) error {
		return modelfile.WriteAtomic(filepath.Join(dir, name), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
	}
	if err := write(WeightsFile, weights); err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	if err := write(ConfigFile, js); err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	return nil
}

// Load reads a model saved by Save. The model can Predict and (if it was
// saved with a loss) Evaluate at once; call Compile to train it further,
// which keeps the loaded weights.
func Load(dir string) (*Model, error) {
	cpath := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(cpath)
	if err != nil {
		return nil, fmt.Errorf("keras: Load: %w", err)
	}
	var cfg fileConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("keras: Load: %s: %w", cpath, err)
	}
	if cfg.Format != FormatName {
		return nil, fmt.Errorf("keras: Load: %s: format %q, want %q", cpath, cfg.Format, FormatName)
	}
	if cfg.FormatVersion < 1 || cfg.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("keras: Load: %s: format version %d not supported (this mulan reads up to %d)", cpath, cfg.FormatVersion, FormatVersion)
	}
	if cfg.Weights == "" || filepath.Base(cfg.Weights) != cfg.Weights {
		return nil, fmt.Errorf("keras: Load: %s: bad weights file name %q", cpath, cfg.Weights)
	}
	wpath := filepath.Join(dir, cfg.Weights)
	weights, err := os.ReadFile(wpath)
	if err != nil {
		return nil, fmt.Errorf("keras: Load: %w", err)
	}
	if int64(len(weights)) != cfg.WeightsBytes {
		return nil, fmt.Errorf("keras: Load: %s: %d bytes, %s says %d: %w", wpath, len(weights), ConfigFile, cfg.WeightsBytes, modelfile.ErrCorrupt)
	}
	if crc32.Checksum(weights, castagnoli) != cfg.WeightsCRC32C {
		return nil, fmt.Errorf("keras: Load: %s: checksum mismatch: %w", wpath, modelfile.ErrCorrupt)
	}
	tensors, _, err := ReadSafetensors(weights)
	if err != nil {
		return nil, fmt.Errorf("keras: Load: %s: %w", wpath, err)
	}
	var layers []Layer
	for i, lc := range cfg.Layers {
		l, err := layerFromConfig(lc)
		if err != nil {
			return nil, fmt.Errorf("keras: Load: %s: layer %d: %w", cpath, i+1, err)
		}
		layers = append(layers, l)
	}
	m := Sequential(layers...)
	if err := m.build(cfg.Seed); err != nil {
		return nil, fmt.Errorf("keras: Load: %s: %w", cpath, err)
	}
	for i, l := range m.layers {
		if l.Name() != cfg.Layers[i].Name {
			return nil, fmt.Errorf("keras: Load: %s: layer %d is named %q, rebuilt as %q", cpath, i+1, cfg.Layers[i].Name, l.Name())
		}
	}
	if len(tensors) != len(m.ps) {
		return nil, fmt.Errorf("keras: Load: %s: %d tensors, the architecture has %d parameters", wpath, len(tensors), len(m.ps))
	}
	for _, p := range m.ps {
		t, ok := tensors[p.Name]
		if !ok {
			return nil, fmt.Errorf("keras: Load: %s: no tensor %q", wpath, p.Name)
		}
		if !slices.Equal(t.Shape, p.Value.Shape) {
			return nil, fmt.Errorf("keras: Load: %s: tensor %q has shape %v, the architecture needs %v", wpath, p.Name, t.Shape, p.Value.Shape)
		}
		copy(p.Value.Data, t.Data)
	}
	m.cfg = compileConfig{seed: cfg.Seed}
	for _, name := range cfg.Metrics {
		if name != Accuracy.String() {
			return nil, fmt.Errorf("keras: Load: %s: unknown metric %q", cpath, name)
		}
		m.cfg.accuracy = true
	}
	if cfg.Loss != "" {
		loss, err := parseLoss(cfg.Loss)
		if err != nil {
			return nil, fmt.Errorf("keras: Load: %s: %w", cpath, err)
		}
		if err := m.setLoss(loss); err != nil {
			return nil, fmt.Errorf("keras: Load: %s: %w", cpath, err)
		}
	}
	m.eval = nn.NewTape(nil)
	m.eval.Training, m.eval.NoGrad = false, true
	return m, nil
}

// ---------------------------------------------------------------- safetensors

// Tensor is a named float32 tensor read from a safetensors file.
type Tensor struct {
	Shape []int
	Data  []float32
}

type stEntry struct {
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes params in the safetensors format: an 8-byte
// little-endian header length N, an N-byte JSON header mapping each tensor
// name to {"dtype": "F32", "shape", "data_offsets": [begin, end)} (offsets
// into the data section) plus optional "__metadata__" strings, padded with
// spaces to a multiple of 8 bytes, then the tensors' little-endian bytes
// back to back in params order.
func WriteSafetensors(w io.Writer, params []*nn.Param, metadata map[string]string) error {
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		js, err := json.Marshal(metadata)
		if err != nil {
			return err
		}
		hdr.WriteString(`"__metadata__":`)
		hdr.Write(js)
		first = false
	}
	var off int64
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] || p.Name == "__metadata__" || p.Name == "" {
			return fmt.Errorf("safetensors: duplicate or reserved tensor name %q", p.Name)
		}
		seen[p.Name] = true
		n := int64(4 * len(p.Value.Data))
		name, _ := json.Marshal(p.Name)
		e, _ := json.Marshal(stEntry{Dtype: "F32", Shape: append([]int{}, p.Value.Shape...), DataOffsets: [2]int64{off, off + n}})
		if !first {
			hdr.WriteByte(',')
		}
		first = false
		hdr.Write(name)
		hdr.WriteByte(':')
		hdr.Write(e)
		off += n
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(hdr.Len()))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, p := range params {
		for _, v := range p.Value.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err := w.Write(buf)
	return err
}

// ReadSafetensors parses a safetensors file held in data. Only F32 tensors
// are accepted; offsets must tile the data section exactly.
func ReadSafetensors(data []byte) (map[string]Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("safetensors: %d bytes, too short for the header length: %w", len(data), modelfile.ErrCorrupt)
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds the file: %w", n, modelfile.ErrCorrupt)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header: %v: %w", err, modelfile.ErrCorrupt)
	}
	body := data[8+n:]
	var meta map[string]string
	type span struct {
		name       string
		begin, end int64
	}
	var spans []span
	out := make(map[string]Tensor, len(raw))
	for name, js := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(js, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: __metadata__: %v: %w", err, modelfile.ErrCorrupt)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(js, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %v: %w", name, err, modelfile.ErrCorrupt)
		}
		if e.Dtype != "F32" {
			return nil, nil, fmt.Errorf("safetensors: tensor %q has dtype %s; only F32 is supported", name, e.Dtype)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("safetensors: tensor %q: negative dimension: %w", name, modelfile.ErrCorrupt)
			}
			count *= int64(d)
		}
		b, en := e.DataOffsets[0], e.DataOffsets[1]
		if b < 0 || en < b || en > int64(len(body)) || en-b != 4*count {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: offsets [%d, %d) do not fit shape %v in %d data bytes: %w", name, b, en, e.Shape, len(body), modelfile.ErrCorrupt)
		}
		spans = append(spans, span{name, b, en})
		t := Tensor{Shape: e.Shape, Data: make([]float32, count)}
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[b+4*int64(i):]))
		}
		out[name] = t
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.begin - b.begin) })
	var at int64
	for _, s := range spans {
		if s.begin != at {
			return nil, nil, fmt.Errorf("safetensors: tensor %q starts at %d, expected %d (overlap or hole): %w", s.name, s.begin, at, modelfile.ErrCorrupt)
		}
		at = s.end
	}
	if at != int64(len(body)) {
		return nil, nil, fmt.Errorf("safetensors: %d trailing data bytes: %w", int64(len(body))-at, modelfile.ErrCorrupt)
	}
	return out, meta, nil
}
