package warehouse

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Object store schemes --out and --state accept besides a local path
// (gocloud.dev/blob's drivers: S3 and S3-compatible stores, Google Cloud
// Storage, Azure Blob Storage).
const (
	SchemeS3    = "s3"
	SchemeGCS   = "gs"
	SchemeAzure = "azblob"
)

// BlobOptions reach an object store. Credentials are never among them:
// each cloud's SDK reads its own standard environment and files (AWS:
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE,
// ~/.aws/credentials, instance and container roles; Google: Application
// Default Credentials; Azure: AZURE_STORAGE_ACCOUNT with
// AZURE_STORAGE_KEY, a connection string or the default Azure credential
// chain), so no secret is ever on a command line, where ps shows it.
type BlobOptions struct {
	// S3Endpoint is the API root of an S3-compatible store
	// (http://127.0.0.1:9000 for MinIO); empty means AWS. Buckets are then
	// addressed by path (endpoint/bucket/key), as such stores expect.
	S3Endpoint string
	// S3Region is the bucket's region; empty means the SDK's own
	// (AWS_REGION, the profile), or us-east-1 for an S3Endpoint.
	S3Region string
}

// Location is where --out or --state points: a local path, or an object
// store's bucket and the key prefix (or key) inside it.
type Location struct {
	Scheme string // "" for a local path
	Bucket string
	Key    string // without leading or trailing slash
	Path   string // the local path
}

// ParseLocation reads a local path or a URL s3://bucket/prefix,
// gs://bucket/prefix, azblob://container/prefix. Any other scheme is
// refused rather than taken for a directory named "ftp:".
func ParseLocation(s string) (Location, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Location{Path: s}, nil
	}
	switch scheme {
	case SchemeS3, SchemeGCS, SchemeAzure:
	default:
		return Location{}, fmt.Errorf("%q: unsupported scheme %q (a local path, s3://, gs:// or azblob://)", s, scheme)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || rest == "" {
		return Location{}, fmt.Errorf("%q: want %s://BUCKET/PREFIX (no credentials, query or fragment: options are flags, credentials come from the environment)", s, scheme)
	}
	return Location{Scheme: scheme, Bucket: u.Host, Key: strings.Trim(u.Path, "/")}, nil
}

// Remote reports whether l is in an object store.
func (l Location) Remote() bool { return l.Scheme != "" }

func (l Location) String() string {
	if !l.Remote() {
		return l.Path
	}
	if l.Key == "" {
		return l.Scheme + "://" + l.Bucket
	}
	return l.Scheme + "://" + l.Bucket + "/" + l.Key
}

// OpenBackend opens the warehouse root at out: a Disk for a local path, a
// Blob for an object store URL. Close it when done.
func OpenBackend(ctx context.Context, out string, o BlobOptions) (Backend, error) {
	l, err := ParseLocation(out)
	if err != nil {
		return nil, fmt.Errorf("--out %w", err)
	}
	if !l.Remote() {
		return Disk(l.Path), nil
	}
	return OpenBlob(ctx, l, o)
}
