package warehouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// StateFile is the export's state (the watermark), on a disk or next to
// the data in an object store. A run reads it once, and writes it back
// only if it is still what it read: two runs that read the same watermark
// cannot both advance it.
type StateFile interface {
	// Read returns the content and its version; a file that does not
	// exist yet reads as nil, "".
	Read(ctx context.Context) ([]byte, string, error)
	// Write replaces the content if the file is still at version (""
	// when it did not exist); otherwise it changes nothing and returns an
	// error that is ErrStateMoved.
	Write(ctx context.Context, data []byte, version string) error
	// Local is the file's path on this machine, "" in an object store.
	Local() string
	String() string
	Close() error
}

// ErrStateMoved is a state write refused because another run wrote the
// state since this run read it.
var ErrStateMoved = errors.New("another run wrote the state since this run read it")

// OpenState opens the state at path: a local file, or s3://bucket/key.
func OpenState(ctx context.Context, path string, o BlobOptions) (StateFile, error) {
	l, err := ParseLocation(path)
	if err != nil {
		return nil, fmt.Errorf("--state %w", err)
	}
	switch l.Scheme {
	case "":
		return localState(l.Path), nil
	case SchemeS3:
		if l.Key == "" {
			return nil, fmt.Errorf("--state %s: name the state object (s3://BUCKET/KEY), not only a bucket", path)
		}
		b, err := openBucket(ctx, l.Scheme, l.Bucket, o)
		if err != nil {
			return nil, err
		}
		return &s3State{b: b, loc: l}, nil
	default:
		// The conditional replace is S3's If-Match here; GCS
		// (ifGenerationMatch) and Azure (If-Match) would need their own,
		// untested against a server in this project so far.
		return nil, fmt.Errorf("--state %s: a state in %s:// is not supported: keep it on a disk or in s3://", path, l.Scheme)
	}
}

// localState is a state file on a disk. Its version is the SHA-256 of its
// content. The compare and the write are two steps, which is safe because
// every run holds the state's OS lock (lockfile) for its whole length;
// the compare still catches a file changed by hand or by a run that did
// not lock.
type localState string

func (s localState) Local() string  { return string(s) }
func (s localState) String() string { return string(s) }
func (s localState) Close() error   { return nil }

func (s localState) Read(context.Context) ([]byte, string, error) {
	data, err := os.ReadFile(string(s))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return data, contentVersion(data), nil
}

func (s localState) Write(ctx context.Context, data []byte, version string) error {
	_, now, err := s.Read(ctx)
	if err != nil {
		return err
	}
	if now != version {
		return fmt.Errorf("state %s: %w", s, ErrStateMoved)
	}
	return atomicfile.WriteFile(string(s), data)
}

func contentVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// s3State is a state object in S3. Its version is the object's ETag, and
// Write is a conditional PutObject: If-Match: <etag> to replace it,
// If-None-Match: * to create it. S3 evaluates the condition atomically
// with the write (conditional writes, GA since 2024), so of two runs that
// read one ETag exactly one writes and the other gets 412 Precondition
// Failed (or 409 ConditionalRequestConflict while the first is in
// flight) — the guarantee a local flock gives, across machines.
type s3State struct {
	b   *blob.Bucket
	loc Location
}

func (s *s3State) Local() string  { return "" }
func (s *s3State) String() string { return s.loc.String() }
func (s *s3State) Close() error   { return s.b.Close() }

func (s *s3State) Read(ctx context.Context) ([]byte, string, error) {
	r, err := s.b.NewReader(ctx, s.loc.Key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("state %s: %w", s, err)
	}
	defer r.Close()
	// The ETag of the very object read, not of a later HEAD.
	var out s3.GetObjectOutput
	if !r.As(&out) || out.ETag == nil {
		return nil, "", fmt.Errorf("state %s: the store sent no ETag", s)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("state %s: %w", s, err)
	}
	return data, *out.ETag, nil
}

func (s *s3State) Write(ctx context.Context, data []byte, version string) error {
	opts := &blob.WriterOptions{ContentType: "application/json", IfNotExist: version == ""}
	if version != "" {
		opts.BeforeWrite = func(as func(any) bool) error {
			var in *transfermanager.UploadObjectInput
			if !as(&in) {
				return errors.New("no S3 upload input to make conditional")
			}
			in.IfMatch = &version
			return nil
		}
	}
	err := s.b.Upload(ctx, s.loc.Key, bytes.NewReader(data), opts)
	// NotFound: the object read was deleted since (If-Match on no object).
	if taken(s.b, err) || gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("state %s: %w", s, ErrStateMoved)
	}
	if err != nil {
		return fmt.Errorf("state %s: %w", s, err)
	}
	return nil
}
