package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The hand-over on a stream (the unix socket, the Windows pipe): the later
// launch writes its arguments as a JSON array of strings on one line; the
// owner answers "ok" once it took them, or "error: why".

// maxHandover bounds what one launch may hand over.
const maxHandover = 1 << 20

// handoverTimeout bounds one connection on the owner's side, so a peer
// that sends nothing or never closes holds nothing for long.
const handoverTimeout = 5 * time.Second

// readHandover reads one hand-over of at most maxHandover bytes.
func readHandover(r io.Reader) ([]string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxHandover)).ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) == maxHandover {
			return nil, fmt.Errorf("a hand-over is at most %d bytes", maxHandover)
		}
		return nil, fmt.Errorf("reading the hand-over: %w", err)
	}
	var args []string
	if err := json.Unmarshal(line, &args); err != nil {
		return nil, fmt.Errorf("the hand-over is no JSON array of strings: %w", err)
	}
	return args, nil
}

// serveHandover takes one hand-over from c, gives it to handle and
// answers. It then reads until the peer closes (or c's deadline), so that
// closing c never discards the answer before the peer read it.
func serveHandover(c io.ReadWriter, handle func([]string)) {
	args, err := readHandover(c)
	if err != nil {
		fmt.Fprintf(c, "error: %v\n", err)
	} else {
		handle(args)
		io.WriteString(c, "ok\n")
	}
	io.Copy(io.Discard, c)
}

// sendHandover hands args over on c and returns once the owner took them.
func sendHandover(c io.ReadWriter, args []string) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	if _, err := c.Write(append(b, '\n')); err != nil {
		return err
	}
	reply, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no answer: %w", err)
	}
	if reply != "ok\n" {
		return errors.New(strings.TrimSpace(reply))
	}
	return nil
}

// handOverOn sends args on c, a connection to the owner through where
// (named in errors), bounded by ctx's deadline, and closes c.
func handOverOn(ctx context.Context, c interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}, where string, args []string) error {
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if err := sendHandover(c, args); err != nil {
		return fmt.Errorf("handing over through %s: %w", where, err)
	}
	return nil
}
