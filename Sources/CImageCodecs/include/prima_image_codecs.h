// Decoders from PNG and JPEG bytes to interleaved 8-bit RGB, for PRIMAData.
//
// libpng and libjpeg report errors with setjmp/longjmp, which must not cross Swift frames; these functions
// keep every setjmp/longjmp inside C and return a status with a message instead.
#ifndef PRIMA_IMAGE_CODECS_H
#define PRIMA_IMAGE_CODECS_H

#include <stddef.h>

/// A decoded image: `height × width × 3` bytes in `pixels` (malloc'd, release with `prima_image_release`),
/// or, when a decoder returned nonzero, the reason in `error`.
typedef struct {
    unsigned char *pixels;
    int width;
    int height;
    /// The size the file declares (before any reduction); set as soon as the header is read.
    unsigned long source_width;
    unsigned long source_height;
    char error[256];
} prima_decoded_image;

/// What a decoder may do with a large image.
typedef struct {
    /// Files declaring more pixels than this are refused with `PRIMA_IMAGE_TOO_LARGE` before any pixel
    /// buffer is allocated.
    size_t max_pixels;
    /// If positive, the decoder may shrink the image by 2, 4 or 8 (the largest factor that keeps both sides
    /// at least `min_side`), so that memory follows the output size: JPEG scales in the DCT, PNG averages
    /// boxes of pixels as its rows stream in. 0 decodes at full size.
    int min_side;
} prima_decode_options;

/// Return value of the decoders for a file over `max_pixels` (other failures return 1).
#define PRIMA_IMAGE_TOO_LARGE 2

/// Decodes a PNG of any colour type and bit depth to RGB8 like Pillow's `convert("RGB")`: 16-bit samples
/// keep their high byte, grey is replicated, palettes are expanded, alpha (and tRNS) is dropped.
/// Returns 0 on success.
int prima_decode_png(const unsigned char *data, size_t size, const prima_decode_options *options, prima_decoded_image *out);

/// Decodes a baseline or progressive JPEG (greyscale or YCbCr) to RGB8 with libjpeg's default (accurate
/// integer) DCT and fancy upsampling. A file that ends early is an error. Returns 0 on success.
int prima_decode_jpeg(const unsigned char *data, size_t size, const prima_decode_options *options, prima_decoded_image *out);

/// The largest of 1, 2, 4, 8 that keeps `ceil(width / f)` and `ceil(height / f)` at least `min_side`
/// (1 when `min_side` is not positive).
int prima_reduction_factor(unsigned long width, unsigned long height, int min_side);

/// Frees `image->pixels` (safe to call on a failed or already released image).
void prima_image_release(prima_decoded_image *image);

/// An encoded file: `size` bytes in `bytes` (malloc'd, release with `prima_encoded_release`), or, when an
/// encoder returned nonzero, the reason in `error`.
typedef struct {
    unsigned char *bytes;
    unsigned long size;
    char error[256];
} prima_encoded_image;

/// Encodes `height × width × 3` interleaved RGB8 pixels as a baseline JPEG (4:2:0 chroma subsampling, the
/// standard quantisation tables scaled to `quality` in 1…100). Returns 0 on success.
int prima_encode_jpeg(const unsigned char *pixels, int width, int height, int quality, prima_encoded_image *out);

/// Frees `image->bytes` (safe to call on a failed or already released result).
void prima_encoded_release(prima_encoded_image *image);

#endif
