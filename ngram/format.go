package ngram

import (
	"math"
	"strconv"
)

// AppendFloat appends x (of the given bit size, 32 or 64) in KenLM's number
// format: the shortest digits that round-trip, in plain decimal notation when
// the decimal exponent is in [-6, 21) and as d.ddde-7 otherwise (the
// double-conversion settings KenLM prints with). Negative infinity, log10 of
// zero, is written as -99 as ARPA files do.
func AppendFloat(dst []byte, x float64, bitSize int) []byte {
	switch {
	case x == 0:
		if math.Signbit(x) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	case math.IsInf(x, -1):
		return append(dst, "-99"...)
	case math.IsInf(x, 1):
		return append(dst, "inf"...)
	case math.IsNaN(x):
		return append(dst, "nan"...)
	}
	if a := math.Abs(x); a >= 1e-5 && a < 1e20 {
		return strconv.AppendFloat(dst, x, 'f', -1, bitSize)
	}
	var tmp [40]byte
	e := strconv.AppendFloat(tmp[:0], x, 'e', -1, bitSize)
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	exp, _ := strconv.Atoi(string(e[k+1:]))
	if exp >= -6 && exp < 21 {
		return strconv.AppendFloat(dst, x, 'f', -1, bitSize)
	}
	dst = append(dst, e[:k+1]...)
	if exp < 0 {
		dst = append(dst, '-')
		exp = -exp
	} else {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(exp), 10)
}

// FormatFloat32 formats x like KenLM prints a float.
func FormatFloat32(x float32) string { return string(AppendFloat(nil, float64(x), 32)) }

// FormatFloat64 formats x like KenLM prints a double.
func FormatFloat64(x float64) string { return string(AppendFloat(nil, x, 64)) }
