// Package flac is a fast pure-Go FLAC decoder (RFC 9639).
//
// It decodes 1–8 channels of 4–32 bits per sample with every blocking
// strategy, subframe type (CONSTANT, VERBATIM, FIXED, LPC up to order 32) and
// residual coding (Rice, Rice2, escapes). The hot paths avoid interfaces and
// allocations: the input is read in large chunks into one buffer, bits come
// from a 64-bit cache, unary codes are counted with bits.LeadingZeros64, and
// LPC uses unrolled loops for orders up to 12, in int32 arithmetic when the
// sum cannot overflow (bps + coefficient precision + log2(order) ≤ 32, the
// rule libFLAC uses) and int64 otherwise.
//
// Error policy: every frame's header CRC-8 and footer CRC-16 are checked.
// A frame that fails either, or holds an invalid subframe, makes Next return
// an error wrapping ErrCorrupt; calling Next again resumes at the next
// frame found by sync search, so a caller may choose to skip bad frames.
// End of input inside a frame is io.ErrUnexpectedEOF, as is a clean end
// before STREAMINFO's sample count; a clean end is io.EOF. Bytes that are
// not a frame after the last sample STREAMINFO announces (an ID3v1 tag, say)
// are ignored. Corrupt input never panics and never loops: every loop
// consumes input or is bounded by the block size.
package flac
