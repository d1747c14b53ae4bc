package staging

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// pageCodec is the zstd codec of every file Writer writes, shared by all
// writers. parquet-go's own zstd.Codec sets no window: each of its pooled
// encoders keeps the default 8 MiB window and a 16 MiB history, and a
// codec per writer pools its own, so an extract writing nine files and
// merging two at once held 64 MiB in encoder history alone — half its
// heap. A page is compressed by itself (EncodeAll, about 256 KiB: parquet-go's page buffer), so a
// window of 1 MiB sees the whole page and compresses it as well as 8 MiB
// would, with a history of about 1 MiB. Readers need nothing: the
// frames are ordinary zstd, decoded by parquet-go's codec.
var pageCodec = &zstdCodec{}

type zstdCodec struct {
	encoders sync.Pool // *zstd.Encoder
	decoders sync.Pool // *zstd.Decoder
}

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, _ := c.encoders.Get().(*zstd.Encoder)
	if e == nil {
		var err error
		e, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true), zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false))
		if err != nil {
			return nil, err
		}
	}
	defer c.encoders.Put(e)
	return e.EncodeAll(src, dst[:0]), nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	d, _ := c.decoders.Get().(*zstd.Decoder)
	if d == nil {
		var err error
		if d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return nil, err
		}
	}
	defer c.decoders.Put(d)
	return d.DecodeAll(src, dst[:0])
}
