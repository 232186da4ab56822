package network

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarmtone/swarmtone/internal/sharedfile"
)

// hashFiles computes the v1 piece hashes of the concatenation of files, on
// every core: workers take batches of pieces and read them with ReadAt, so
// no byte is read twice and pieces spanning files need no special case.
func hashFiles(ctx context.Context, paths []string, sizes []int64, pieceLen int64, progress func(done, total int64)) ([]byte, error) {
	var total int64
	for _, s := range sizes {
		total += s
	}
	npieces := int((total + pieceLen - 1) / pieceLen)
	out := make([]byte, npieces*20)
	files := make([]*os.File, len(paths))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, p := range paths {
		// Not locked against deleting (on Windows) while a big album
		// is hashed: the user may still tidy their folders.
		f, err := sharedfile.Open(p)
		if err != nil {
			return nil, fmt.Errorf("hashing %q: %w", p, err)
		}
		files[i] = f
	}
	cat := &concatReaderAt{files: files, sizes: sizes, paths: paths}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var done atomic.Int64
	var next atomic.Int64
	// Batches of contiguous pieces keep reads sequential per worker.
	batch := max(1, int((4<<20)/pieceLen))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, pieceLen)
			for ctx.Err() == nil {
				start := int(next.Add(int64(batch))) - batch
				if start >= npieces {
					return
				}
				for i := start; i < min(start+batch, npieces); i++ {
					off := int64(i) * pieceLen
					l := min(pieceLen, total-off)
					if err := cat.readFull(buf[:l], off); err != nil {
						cancel(err)
						return
					}
					sum := sha1.Sum(buf[:l])
					copy(out[i*20:], sum[:])
					done.Add(l)
				}
			}
		}()
	}
	stop := make(chan struct{})
	var pwg sync.WaitGroup
	if progress != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					progress(done.Load(), total)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	pwg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(total, total)
	}
	return out, nil
}

// concatReaderAt reads the files as one stream.
type concatReaderAt struct {
	files []*os.File
	sizes []int64
	paths []string
}

func (c *concatReaderAt) readFull(b []byte, off int64) error {
	var base int64
	for i, f := range c.files {
		size := c.sizes[i]
		if off >= base+size || len(b) == 0 {
			base += size
			if len(b) == 0 {
				return nil
			}
			continue
		}
		fo := off - base
		n := int(min(int64(len(b)), size-fo))
		if _, err := f.ReadAt(b[:n], fo); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("hashing %q: file shrank while being shared: %w", c.paths[i], err)
			}
			return fmt.Errorf("hashing %q: %w", c.paths[i], err)
		}
		b = b[n:]
		off += int64(n)
		base += size
	}
	if len(b) > 0 {
		return fmt.Errorf("hashing: %d bytes past the end of the files", len(b))
	}
	return nil
}
