// Package s3test starts an S3-compatible server for a test: gofakes3
// (github.com/johannesboyne/gofakes3, an in-memory backend) behind an HTTP
// server on loopback, reached by the real AWS SDK through gocloud.dev/blob
// exactly as a real bucket is — signed requests, conditional writes, list
// pages — with no mock of bcetl's own interfaces. Only tests import it.
//
//	s := s3test.Start(t)            // sets the AWS_* environment for the test
//	out := s.URL("warehouse")       // s3://bcetl-test/warehouse
//	o := warehouse.BlobOptions{S3Endpoint: s.Endpoint}
package s3test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Bucket is the bucket Start creates.
const Bucket = "bcetl-test"

// Server is a running S3-compatible endpoint.
type Server struct {
	// Endpoint is the API root, http://127.0.0.1:PORT: --s3-endpoint.
	Endpoint string
	Backend  *s3mem.Backend
}

// Env is the environment a child process needs to reach the server with
// the SDK's standard credential chain: fixed keys (gofakes3 accepts any),
// no shared config files of the machine, no instance metadata lookups.
func Env(dir string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=bcetl-test", "AWS_SECRET_ACCESS_KEY=bcetl-test-secret", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Start starts the server with Bucket created and sets Env for the test
// (so it cannot run in parallel with others); both end with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	hs := httptest.NewServer(faker.Server())
	t.Cleanup(hs.Close)
	for _, kv := range Env(t.TempDir()) {
		k, v, _ := strings.Cut(kv, "=")
		if tt, ok := t.(interface{ Setenv(string, string) }); ok {
			tt.Setenv(k, v)
		} else {
			os.Setenv(k, v)
		}
	}
	return &Server{Endpoint: hs.URL, Backend: backend}
}

// URL is s3://Bucket/prefix.
func (s *Server) URL(prefix string) string { return "s3://" + Bucket + "/" + prefix }
