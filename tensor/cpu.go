package tensor

import (
	"runtime"

	"golang.org/x/sys/cpu"
)

// openblasCoreType returns the OpenBLAS kernel family to request for this CPU
// ("SkylakeX" for AVX-512, "Haswell" for AVX2+FMA), or "" to let OpenBLAS
// decide (other architectures and older CPUs, which it recognises).
func openblasCoreType() string {
	if runtime.GOARCH != "amd64" {
		return ""
	}
	x := cpu.X86
	switch {
	case x.HasAVX512F && x.HasAVX512VL && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512CD:
		return "SkylakeX"
	case x.HasAVX2 && x.HasFMA:
		return "Haswell"
	}
	return ""
}
