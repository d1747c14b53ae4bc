package transform

import (
	"os"

	"github.com/parquet-go/parquet-go"
)

// rawWriter writes test input as another tool might: with parquet-go
// directly, bytes as given. The staging writer would escape invalid UTF-8,
// and the transform must still reject it in files bcetl did not write.
type rawWriter[T any] struct {
	f *os.File
	w *parquet.GenericWriter[T]
}

func createRaw[T any](path string) (*rawWriter[T], error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	return &rawWriter[T]{f: f, w: parquet.NewGenericWriter[T](f)}, nil
}

func (r *rawWriter[T]) Write(rows ...T) error {
	_, err := r.w.Write(rows)
	return err
}

func (r *rawWriter[T]) Commit() error {
	if err := r.w.Close(); err != nil {
		r.f.Close()
		return err
	}
	return r.f.Close()
}

func writeRaw[T any](path string, rows []T) error {
	w, err := createRaw[T](path)
	if err != nil {
		return err
	}
	if err := w.Write(rows...); err != nil {
		w.Commit()
		return err
	}
	return w.Commit()
}
