package bigcommerce

import json "github.com/goccy/go-json"

// The client's JSON codec: github.com/goccy/go-json, a drop-in for
// encoding/json (same struct tags, Marshaler/Unmarshaler, json.Number,
// case-insensitive keys, invalid UTF-8 replaced by U+FFFD, the same
// errors for the same malformed input: TestCodecMatchesEncodingJSON).
// Decoding a page of customers takes about a quarter of encoding/json's
// time (BenchmarkDecodeCustomerPage), and a store extract is mostly that.
// encoding/json/v2 would be the standard library's answer, but Go 1.26
// ships it only under GOEXPERIMENT=jsonv2, which a user's `go install`
// does not set. Everything that decodes an answer or encodes a request
// body goes through these two functions.

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func marshal(v any) ([]byte, error) { return json.Marshal(v) }
