package keras

// PadOption configures PadSequences.
type PadOption func(*padConfig)

type padConfig struct {
	post, truncPost bool
	value           int32
}

// PadPost pads at the end of short sequences (default: at the start).
func PadPost() PadOption { return func(c *padConfig) { c.post = true } }

// TruncatePost drops the end of long sequences (default: the start).
func TruncatePost() PadOption { return func(c *padConfig) { c.truncPost = true } }

// PadValue sets the padding id (default 0).
func PadValue(v int32) PadOption { return func(c *padConfig) { c.value = v } }

// PadSequences brings every sequence to length maxLen (≤ 0: the longest
// sequence's length), like Keras's pad_sequences: by default short sequences
// are padded with 0 at the start and long ones lose their first tokens. The
// result shares one backing array.
func PadSequences(seqs [][]int32, maxLen int, opts ...PadOption) [][]int32 {
	var c padConfig
	for _, o := range opts {
		o(&c)
	}
	if maxLen <= 0 {
		for _, s := range seqs {
			maxLen = max(maxLen, len(s))
		}
	}
	flat := make([]int32, len(seqs)*maxLen)
	out := make([][]int32, len(seqs))
	for i, s := range seqs {
		row := flat[i*maxLen : (i+1)*maxLen : (i+1)*maxLen]
		if len(s) > maxLen {
			if c.truncPost {
				s = s[:maxLen]
			} else {
				s = s[len(s)-maxLen:]
			}
		}
		start := 0
		if !c.post {
			start = maxLen - len(s)
		}
		for j := range row {
			row[j] = c.value
		}
		copy(row[start:], s)
		out[i] = row
	}
	return out
}
