// Package vorbis is a fast pure-Go Ogg Vorbis decoder (Vorbis I
// specification, Ogg encapsulation per RFC 3533), written from the
// specification.
//
// It decodes 1–255 channels (the player uses 1–8) at any rate and block
// sizes 64–8192: codebooks of lookup types 0, 1 and 2, floor types 0 and 1,
// residue types 0, 1 and 2, mappings with submaps and channel coupling.
// Read returns interleaved float32 samples in the channel order Vorbis I
// fixes.
//
// Speed: packets that lie within one page are decoded where they sit in
// the read buffer (only packets spanning pages are copied); bits come from
// a 64-bit cache; a codeword is found in a 1024-entry table indexed by the
// next 10 bits (longer codewords by binary search over the sorted long
// ones); VQ vectors are precomputed per codebook and the residue hot loop
// keeps the bit state in registers, checking for the end of the packet only
// when the packet may end inside a partition. The inverse MDCT is a DCT-IV
// through an N/4-point complex FFT (radix-2 stages fused in pairs) in
// float32 with precomputed twiddles; the overlap-add reads the DCT-IV
// output through the MDCT's symmetries, so the full block is never formed.
// Inverse coupling is branch-free.
//
// Granule positions are honoured as Vorbis I §A.2 says: the length
// (Info.TotalSamples) is the granule position of the stream's last page
// less the start, found by reading only the end of the input (bisecting
// for chained streams, whose end is not the file's); the last page's
// granule position cuts the final packet; a first page whose granule
// position exceeds the samples its packets make marks a stream cut from a
// longer one (nothing is dropped, positions count from its first sample);
// one that falls short of them has that many samples dropped from the
// start (libvorbis drops them at the end of the first page instead, and
// ffmpeg not at all), except on a stream of a single page, whose end is cut
// instead.
//
// SeekFrame is sample-accurate: it searches the file for the last page
// whose granule position lies at least half a long block before the target
// (probes placed by interpolating granule positions, falling back to
// halving), works out from the block sizes of the packets up to the next
// granule position where the output of the packet after the first one
// begins, decodes from that first packet (which only primes the overlap)
// and drops the samples before the target. A seek reads a few pages per
// probe, not the stream.
//
// Streams with several logical bitstreams: the first Vorbis stream is
// decoded and the pages of every other are skipped. Grouped (multiplexed)
// streams decode to the end of that stream; in a chained stream decoding
// ends with io.EOF at the end of the first link, later links are not
// decoded.
//
// Error policy: headers that break the specification fail NewDecoder with
// an error wrapping ErrCorrupt. Every page's CRC-32 is checked; damaged
// pages are skipped. Lost data (a gap in the page sequence numbers of the
// stream, from a damaged or missing page) makes Read return an error
// wrapping ErrCorrupt once; calling Read again resumes decoding after it
// (the first packet after the gap only primes the overlap and positions
// follow the next granule position). Audio packets that are not audio or
// name a mode that does not exist are skipped as the specification says; an
// end of packet inside the floors zeroes the block and inside the residue
// keeps what was decoded. The end is io.EOF; input that ends inside a page
// before the length is reached gives io.ErrUnexpectedEOF after the last
// whole packet. Corrupt input never panics and never loops: every loop
// consumes input or is bounded, and setup headers may not make the decoder
// allocate more than about 100 MB (limits far above what encoders make).
package vorbis
