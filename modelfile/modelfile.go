// Package modelfile holds what every mulan model file shares on disk: atomic
// writes (temp file in the same directory, fsync, rename) so a failed or
// interrupted write never leaves a half-written file, and a small framed
// container with a magic string, a format version and a CRC-32C checksum so a
// truncated or corrupted file is refused with a clear error.
//
// Container layout (all integers little-endian):
//
//	magic   [8]byte   "MULANMF\x00"
//	kind    uint16 length + bytes   (e.g. "ngram-binary", "subword-bpe")
//	version uint32                  (format version of that kind)
//	size    uint64                  (payload length)
//	crc     uint32                  (CRC-32C of payload)
//	payload [size]byte
package modelfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// Magic starts every framed mulan model file.
const Magic = "MULANMF\x00"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by every error that reports a damaged container.
var ErrCorrupt = errors.New("corrupt model file")

// WriteAtomic creates path by calling write on a buffered temporary file in the
// same directory and renaming it over path only when write and the flush and
// fsync succeed. On any error the temporary file is removed and path is untouched.
func WriteAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Save writes m to path atomically (see WriteAtomic); every model type's
// Save method is this call on its WriteTo.
func Save(path string, m io.WriterTo) error {
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}

// Header describes a framed payload.
type Header struct {
	Kind    string
	Version uint32
}

// Encode writes a framed container holding payload.
func Encode(w io.Writer, h Header, payload []byte) error {
	_, err := WriteTo(w, h, payload)
	return err
}

// WriteTo writes a framed container holding payload and returns the number of
// bytes written, as an io.WriterTo method does.
func WriteTo(w io.Writer, h Header, payload []byte) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(Magic)
	binary.Write(&buf, binary.LittleEndian, uint16(len(h.Kind)))
	buf.WriteString(h.Kind)
	binary.Write(&buf, binary.LittleEndian, h.Version)
	binary.Write(&buf, binary.LittleEndian, uint64(len(payload)))
	binary.Write(&buf, binary.LittleEndian, crc32.Checksum(payload, castagnoli))
	n, err := w.Write(buf.Bytes())
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(payload)
	return int64(n + m), err
}

// ReadFile reads the framed container at path and checks its magic and
// checksum (see Decode); callers then check the kind with Header.Expect.
func ReadFile(path string) (Header, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Header{}, nil, err
	}
	return Decode(path, data)
}

// Decode parses a framed container held in data (for example an mmapped file),
// checks magic and checksum, and returns the header and the payload, which
// aliases data. name is used in error messages.
func Decode(name string, data []byte) (Header, []byte, error) {
	var h Header
	if len(data) < len(Magic)+2 || string(data[:len(Magic)]) != Magic {
		return h, nil, fmt.Errorf("%s: not a mulan model file (bad magic): %w", name, ErrCorrupt)
	}
	p := data[len(Magic):]
	kl := int(binary.LittleEndian.Uint16(p))
	p = p[2:]
	if len(p) < kl+4+8+4 {
		return h, nil, fmt.Errorf("%s: truncated header: %w", name, ErrCorrupt)
	}
	h.Kind = string(p[:kl])
	p = p[kl:]
	h.Version = binary.LittleEndian.Uint32(p)
	size := binary.LittleEndian.Uint64(p[4:])
	sum := binary.LittleEndian.Uint32(p[12:])
	p = p[16:]
	if uint64(len(p)) != size {
		return h, nil, fmt.Errorf("%s: payload is %d bytes, header says %d (truncated or padded file): %w", name, len(p), size, ErrCorrupt)
	}
	if crc32.Checksum(p, castagnoli) != sum {
		return h, nil, fmt.Errorf("%s: checksum mismatch: %w", name, ErrCorrupt)
	}
	return h, p, nil
}

// Expect returns an error unless h has the given kind and a version no newer than max.
func (h Header) Expect(name, kind string, max uint32) error {
	if h.Kind != kind {
		return fmt.Errorf("%s: is a %q model file, want %q", name, h.Kind, kind)
	}
	if h.Version == 0 || h.Version > max {
		return fmt.Errorf("%s: %s format version %d not supported (this mulan reads up to %d)", name, kind, h.Version, max)
	}
	return nil
}
