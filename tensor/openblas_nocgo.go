//go:build !cgo || !(linux || freebsd)

package tensor

import "errors"

// OpenBLAS reports that the library cannot be used: this binary was built
// without cgo (or for a system where mulan does not load it), so GEMM runs on
// the pure-Go backend.
func OpenBLAS() (Backend, error) {
	return nil, errors.New("tensor: OpenBLAS unavailable in this build (needs cgo on Linux/FreeBSD); using the pure-Go backend")
}

func setBackendThreads(int) {}
