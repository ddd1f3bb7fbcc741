package k8saudit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// DefaultPollInterval is how often a followed file is checked for new
// data, rotation and truncation.
const DefaultPollInterval = 250 * time.Millisecond

// FileOptions configure a FileReader.
type FileOptions struct {
	Limits
	// Follow keeps reading as the file grows, across rotation (the path
	// renamed and created anew) and truncation (copytruncate), until
	// the context is cancelled.
	Follow bool
	// FromEnd starts a followed file at its end (tail -f), skipping what
	// it already holds.
	FromEnd bool
	// PollInterval is the follow mode's check interval
	// (DefaultPollInterval when zero).
	PollInterval time.Duration
	// OnError receives each payload or event skipped, as a *LineError.
	// Nil discards them (they are still counted).
	OnError func(error)
}

// LineError is an error of the payload or event that starts on a line
// of an audit log.
type LineError struct {
	Path string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// FileReader reads Kubernetes audit events from a file: JSON lines (each
// line an Event or an EventList), or a file holding one Event or
// EventList document, compact or indented. A directory is read file by
// file, oldest modification first.
type FileReader struct {
	path string
	opts FileOptions
	c    counters
	num  uint64
}

// NewFileReader returns a reader of the audit log at path.
func NewFileReader(path string, opts FileOptions) *FileReader {
	opts.Limits = opts.Limits.withDefaults()
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	return &FileReader{path: path, opts: opts}
}

// Stats returns the reader's counters.
func (r *FileReader) Stats() Stats { return r.c.snapshot() }

// Run reads the file and calls deliver with every good event, in file
// order, from the calling goroutine. Without Follow it returns at the
// end of the file; with Follow it returns when ctx is cancelled (with
// ctx's error). Bad lines and events go to OnError and do not stop the
// reading; an error reading the file does.
func (r *FileReader) Run(ctx context.Context, deliver func(*Event)) error {
	info, err := os.Stat(r.path)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if info.IsDir() {
		if r.opts.Follow {
			return fmt.Errorf("audit log %s: a directory cannot be followed", r.path)
		}
		return r.dir(ctx, deliver)
	}
	f, err := os.Open(r.path)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer func() { f.Close() }()
	if !r.opts.Follow {
		return r.newScan(r.path, f, deliver).all(ctx)
	}
	return r.follow(ctx, f, deliver)
}

// dir reads every regular file of the directory, oldest modification
// first (ties by name), as the k8saudit plugin does.
func (r *FileReader) dir(ctx context.Context, deliver func(*Event)) error {
	entries, err := os.ReadDir(r.path)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		files = append(files, file{filepath.Join(r.path, e.Name()), info.ModTime()})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	for _, fl := range files {
		f, err := os.Open(fl.path)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		err = r.newScan(fl.path, f, deliver).all(ctx)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// scan reads lines of one open file.
type scan struct {
	r       *FileReader
	path    string
	br      *bufio.Reader
	deliver func(*Event)
	line    int    // lines consumed
	pending []byte // a line read in part (follow mode)
	skip    bool   // discarding the rest of an over-long line
}

func (r *FileReader) newScan(path string, rd io.Reader, deliver func(*Event)) *scan {
	return &scan{r: r, path: path, br: bufio.NewReaderSize(rd, 64<<10), deliver: deliver}
}

// all reads to the end of the input, documents spanning lines included.
func (s *scan) all(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, ok, err := s.next(true)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := s.handleLine(line, true); err != nil {
			return err
		}
	}
}

// next returns the next whole line (without its newline). At the end of
// the input a final unterminated line is returned when final is set,
// and kept pending otherwise; ok is false when no line is ready.
func (s *scan) next(final bool) (line []byte, ok bool, err error) {
	max := s.r.opts.MaxBatchSize
	for {
		chunk, err := s.br.ReadSlice('\n')
		switch {
		case err == nil:
			if s.skip {
				s.skip = false
				s.line++
				s.pending = s.pending[:0]
				continue
			}
			s.line++
			line := append(s.pending, chunk[:len(chunk)-1]...)
			s.pending = line[:0]
			return line, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if !s.skip {
				s.pending = append(s.pending, chunk...)
				if len(s.pending) > max {
					s.skip = true
					s.pending = s.pending[:0]
					s.r.report(s.path, s.line+1, fmt.Errorf("%w: line longer than %d bytes", ErrPayloadTooLarge, max))
				}
			}
		case errors.Is(err, io.EOF):
			if !s.skip {
				s.pending = append(s.pending, chunk...)
			}
			if final && len(s.pending) > 0 && !s.skip {
				s.line++
				line := s.pending
				s.pending = nil
				return line, true, nil
			}
			if final {
				s.skip = false
			}
			return nil, false, nil
		default:
			return nil, false, fmt.Errorf("audit log %s: %w", s.path, err)
		}
	}
}

// handleLine decodes one line. When docs is set and the line opens a
// JSON document that continues on later lines, the rest of the input is
// read as a sequence of JSON documents.
func (s *scan) handleLine(line []byte, docs bool) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	if docs && (line[0] == '{' || line[0] == '[') && !json.Valid(line) && incomplete(line) {
		return s.documents(line)
	}
	s.r.payload(line, s.path, s.line, s.deliver)
	return nil
}

// incomplete reports whether data is the start of a JSON value cut
// short (rather than malformed).
func incomplete(data []byte) bool {
	var raw json.RawMessage
	err := json.NewDecoder(bytes.NewReader(data)).Decode(&raw)
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// documents reads the rest of the input (bounded by MaxBatchSize) as a
// sequence of JSON documents, the first starting with first.
func (s *scan) documents(first []byte) error {
	max := s.r.opts.MaxBatchSize
	startLine := s.line
	buf := append([]byte(nil), first...)
	buf = append(buf, '\n')
	rest, err := io.ReadAll(io.LimitReader(s.br, int64(max-len(buf)+1)))
	if err != nil {
		return fmt.Errorf("audit log %s: %w", s.path, err)
	}
	buf = append(buf, rest...)
	if len(buf) > max {
		s.r.c.payloads.Add(1)
		s.r.c.malformed.Add(1)
		s.r.report(s.path, startLine, fmt.Errorf("%w: a JSON document larger than %d bytes", ErrPayloadTooLarge, max))
		_, err := io.Copy(io.Discard, s.br)
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	for {
		off := int(dec.InputOffset())
		line := startLine + bytes.Count(buf[:off], []byte{'\n'})
		for off < len(buf) && isSpace(buf[off]) {
			if buf[off] == '\n' {
				line++
			}
			off++
		}
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			s.line = startLine + bytes.Count(buf, []byte{'\n'})
			return nil
		}
		if err != nil {
			s.r.c.payloads.Add(1)
			s.r.c.malformed.Add(1)
			s.r.report(s.path, line, fmt.Errorf("malformed JSON: %w", err))
			s.line = startLine + bytes.Count(buf, []byte{'\n'})
			return nil
		}
		s.r.payload(raw, s.path, line, s.deliver)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// payload decodes one payload found at line and delivers its events.
func (r *FileReader) payload(data []byte, path string, line int, deliver func(*Event)) {
	res, err := Decode(data, r.opts.Limits)
	r.c.count(res, err)
	if err != nil {
		r.report(path, line, err)
		return
	}
	for _, e := range res.Errors {
		r.report(path, line, e)
	}
	for _, ev := range res.Events {
		r.num++
		ev.num = r.num
		r.c.delivered.Add(1)
		deliver(ev)
	}
}

func (r *FileReader) report(path string, line int, err error) {
	if r.opts.OnError != nil {
		r.opts.OnError(&LineError{Path: path, Line: line, Err: err})
	}
}

// follow reads f and then the file at the path as it grows, is rotated
// or truncated, until ctx is cancelled.
func (r *FileReader) follow(ctx context.Context, f *os.File, deliver func(*Event)) error {
	defer func() { f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	var offset int64
	if r.opts.FromEnd {
		if offset, err = f.Seek(0, io.SeekEnd); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
	}
	cr := &countingReader{r: f, n: offset}
	s := r.newScan(r.path, cr, deliver)
	tick := time.NewTicker(r.opts.PollInterval)
	defer tick.Stop()
	for {
		// Read every whole line available now.
		for {
			line, ok, err := s.next(false)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if err := s.handleLine(line, false); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		now, err := os.Stat(r.path)
		if err != nil {
			// Rotated away and not yet created again: keep reading the
			// open file until the path reappears.
			continue
		}
		switch {
		case !os.SameFile(info, now):
			// Rotation: finish the old file, its last line included,
			// then start the new one from its beginning.
			if err := s.drain(); err != nil {
				return err
			}
			nf, err := os.Open(r.path)
			if err != nil {
				continue
			}
			if info, err = nf.Stat(); err != nil {
				nf.Close()
				return fmt.Errorf("audit log: %w", err)
			}
			f.Close()
			f = nf
			cr = &countingReader{r: f}
			s = r.newScan(r.path, cr, deliver)
		case now.Size() < cr.n:
			// Truncation (copytruncate): start again from the top.
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("audit log: %w", err)
			}
			cr.n = 0
			s = r.newScan(r.path, cr, deliver)
		}
	}
	// unreachable
}

// drain reads the rest of the file, a final unterminated line included.
func (s *scan) drain() error {
	for {
		line, ok, err := s.next(true)
		if err != nil || !ok {
			return err
		}
		if err := s.handleLine(line, false); err != nil {
			return err
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
