package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob:// URLs
	_ "gocloud.dev/blob/gcsblob"   // gs:// URLs
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// Blob is a warehouse in an object store, under a key prefix, reached
// through gocloud.dev/blob (one portable API over S3, GCS and Azure).
//
// Atomic visibility without a rename. S3 has no rename, and a temporary
// key copied to its final name would write every byte twice (CopyObject
// is a second full write, billed and slow for large parts) and leave a
// window with two keys. It is not needed: an object store makes an object
// visible only when its upload is complete — a single PUT, or a multipart
// upload's CompleteMultipartUpload — never in part, and an upload that is
// cut off leaves no object (a multipart one leaves invisible parts until
// it is aborted: give the bucket an AbortIncompleteMultipartUpload
// lifecycle rule). So Publish uploads each file straight to its final
// key, and conditionally: If-None-Match: * on S3 and Azure,
// ifGenerationMatch=0 on GCS (gocloud's WriterOptions.IfNotExist), so a
// key another writer took is refused, never replaced, as link(2) refuses
// on a disk. And as on a disk, a run's manifest is uploaded after its
// parts: a manifest names only parts that are complete.
type Blob struct {
	bucket  *blob.Bucket
	loc     Location
	staging string
}

var _ Backend = (*Blob)(nil)

// OpenBlob opens the warehouse at l (an object store location) with o.
func OpenBlob(ctx context.Context, l Location, o BlobOptions) (*Blob, error) {
	bucket, err := openBucket(ctx, l.Scheme, l.Bucket, o)
	if err != nil {
		return nil, err
	}
	if l.Key != "" {
		bucket = blob.PrefixedBucket(bucket, l.Key+"/")
	}
	st, err := blobStaging(l)
	if err != nil {
		bucket.Close()
		return nil, err
	}
	return &Blob{bucket: bucket, loc: l, staging: st}, nil
}

// openBucket opens a bucket with the SDK's standard credentials. S3 is
// configured here rather than through gocloud's URL parameters, so that
// an S3-compatible endpoint and region are plain options.
func openBucket(ctx context.Context, scheme, bucket string, o BlobOptions) (*blob.Bucket, error) {
	if scheme != SchemeS3 {
		if o.S3Endpoint != "" || o.S3Region != "" {
			return nil, fmt.Errorf("--s3-endpoint and --s3-region apply to s3:// only, not %s://", scheme)
		}
		b, err := blob.OpenBucket(ctx, scheme+"://"+bucket)
		if err != nil {
			return nil, fmt.Errorf("open %s://%s: %w", scheme, bucket, err)
		}
		return b, nil
	}
	var opts []func(*config.LoadOptions) error
	region := o.S3Region
	if region == "" && o.S3Endpoint != "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		region = "us-east-1" // what S3-compatible stores answer to
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: AWS configuration: %w", bucket, err)
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.S3Endpoint != "" {
			so.BaseEndpoint = aws.String(o.S3Endpoint)
			so.UsePathStyle = true
		}
	})
	b, err := s3blob.OpenBucket(ctx, client, bucket, &s3blob.Options{RequestChecksumCalculation: cfg.RequestChecksumCalculation})
	if err != nil {
		return nil, fmt.Errorf("open s3://%s: %w", bucket, err)
	}
	return b, nil
}

// blobStaging is the local directory in which runs into the warehouse at
// l write their files: one per warehouse (in a directory named by a hash
// of its URL, which also holds the run's lock) under the user's cache
// directory, so the next run into the same warehouse finds and clears
// what a killed run left there (it holds personal data), and owner-only
// like every directory bcetl writes.
func blobStaging(l Location) (string, error) {
	root, err := os.UserCacheDir()
	if err != nil {
		root = os.TempDir()
	}
	sum := sha256.Sum256([]byte(l.String()))
	dir := filepath.Join(root, "bcetl", "warehouse-staging", hex.EncodeToString(sum[:8]), stagingDir)
	return dir, os.MkdirAll(filepath.Dir(dir), atomicfile.DirMode)
}

func (b *Blob) Path(name string) string {
	if name == "" {
		return b.loc.String()
	}
	return b.loc.String() + "/" + name
}

func (b *Blob) StagingDir() string { return b.staging }

func (b *Blob) Close() error { return b.bucket.Close() }

func (b *Blob) List(ctx context.Context, dir string) ([]string, error) {
	prefix := strings.Trim(dir, "/")
	if prefix != "" {
		prefix += "/"
	}
	it := b.bucket.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	var names []string
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", b.Path(dir), err)
		}
		if !obj.IsDir {
			names = append(names, obj.Key)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (b *Blob) ListTree(ctx context.Context, dir string) ([]string, error) {
	prefix := strings.Trim(dir, "/")
	if prefix != "" {
		prefix += "/"
	}
	it := b.bucket.List(&blob.ListOptions{Prefix: prefix})
	var names []string
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", b.Path(dir), err)
		}
		if !obj.IsDir {
			names = append(names, obj.Key)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (b *Blob) ReadFile(ctx context.Context, name string) ([]byte, error) {
	data, err := b.bucket.ReadAll(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", b.Path(name), notExist(err))
	}
	return data, nil
}

func (b *Blob) Exists(ctx context.Context, name string) (bool, error) {
	ok, err := b.bucket.Exists(ctx, name)
	if err != nil {
		return false, fmt.Errorf("%s: %w", b.Path(name), err)
	}
	return ok, nil
}

// Publish uploads src to name only if name does not exist (see Blob).
func (b *Blob) Publish(ctx context.Context, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	err = b.bucket.Upload(ctx, name, f, &blob.WriterOptions{IfNotExist: true, ContentType: contentType(name)})
	if taken(b.bucket, err) {
		return fmt.Errorf("%s: %w", b.Path(name), fs.ErrExist)
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", b.Path(name), err)
	}
	f.Close()
	return os.Remove(src)
}

func (b *Blob) Remove(ctx context.Context, name string) error {
	if err := b.bucket.Delete(ctx, name); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete %s: %w", b.Path(name), err)
	}
	return nil
}

// Open reads name by ranges: a Parquet reader fetches the footer and the
// column chunks it needs, not the whole object.
func (b *Blob) Open(ctx context.Context, name string) (ReaderAt, error) {
	attrs, err := b.bucket.Attributes(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Path(name), notExist(err))
	}
	return &rangeReader{ctx: ctx, b: b.bucket, key: name, size: attrs.Size}, nil
}

type rangeReader struct {
	ctx  context.Context
	b    *blob.Bucket
	key  string
	size int64
}

func (r *rangeReader) Size() int64  { return r.size }
func (r *rangeReader) Close() error { return nil }

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.size-off)
	rd, err := r.b.NewRangeReader(r.ctx, r.key, off, n, nil)
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	got, err := io.ReadFull(rd, p[:n])
	if err == nil && got < len(p) {
		err = io.EOF
	}
	return got, err
}

// taken reports whether err is a conditional write refused because the
// key exists (or, on S3, another conditional write to it is in progress:
// 409 ConditionalRequestConflict).
func taken(b *blob.Bucket, err error) bool {
	if err == nil {
		return false
	}
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return true
	}
	var api interface{ ErrorCode() string }
	return b.ErrorAs(err, &api) && api.ErrorCode() == "ConditionalRequestConflict"
}

func notExist(err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
	}
	return err
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".json", ".state":
		return "application/json"
	}
	return "application/octet-stream"
}
