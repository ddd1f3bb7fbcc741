package alert

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Writer delivers alerts. Write may be called from several goroutines.
// A Writer never prints: synchronous failures are returned, asynchronous
// ones go to the error callback it was built with.
type Writer interface {
	Write(a *Alert) error
	// Close flushes what is pending and releases the writer.
	Close() error
}

// StreamWriter writes one rendered alert per line to an io.Writer.
type StreamWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closer io.Closer
	enc    Encoder
	buf    []byte
}

// NewStreamWriter writes alerts to w (standard output, a buffer). Close
// does not close w.
func NewStreamWriter(w io.Writer, enc Encoder) *StreamWriter {
	return &StreamWriter{w: w, enc: enc}
}

// OpenFile appends alerts to the file at path, created with mode 0600
// when missing (alerts carry user names, addresses and commands). Close
// closes the file.
func OpenFile(path string, enc Encoder) (*StreamWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening alert file: %w", err)
	}
	return &StreamWriter{w: f, closer: f, enc: enc}, nil
}

// Write renders a and writes it in one call, so lines from concurrent
// writers never interleave.
func (s *StreamWriter) Write(a *Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	s.buf, err = s.enc.Append(s.buf[:0], a)
	if err != nil {
		return err
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("writing alert: %w", err)
	}
	return nil
}

// Close closes the file of a writer made by OpenFile.
func (s *StreamWriter) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closer == nil {
		return nil
	}
	c := s.closer
	s.closer = nil
	if err := c.Close(); err != nil {
		return fmt.Errorf("closing alert file: %w", err)
	}
	return nil
}

// minPriority passes on the alerts at or above a priority.
type minPriority struct {
	w   Writer
	min Priority
}

// MinPriority returns a writer that passes to w only the alerts whose
// priority is min or more severe; the others are skipped silently (they
// are filtered, not dropped).
func MinPriority(w Writer, min Priority) Writer { return &minPriority{w: w, min: min} }

func (m *minPriority) Write(a *Alert) error {
	if !a.Priority.AtLeast(m.min) {
		return nil
	}
	return m.w.Write(a)
}

func (m *minPriority) Close() error { return m.w.Close() }

// multi fans an alert out to several writers.
type multi []Writer

// Multi returns a writer that writes each alert to every w in order; one
// failing writer does not stop the others.
func Multi(ws ...Writer) Writer { return multi(ws) }

func (m multi) Write(a *Alert) error {
	var errs []error
	for _, w := range m {
		if err := w.Write(a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m multi) Close() error {
	var errs []error
	for _, w := range m {
		if err := w.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
