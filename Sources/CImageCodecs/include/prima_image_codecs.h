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
    char error[256];
} prima_decoded_image;

/// Decodes a PNG of any colour type and bit depth to RGB8 like Pillow's `convert("RGB")`: 16-bit samples
/// keep their high byte, grey is replicated, palettes are expanded, alpha (and tRNS) is dropped.
/// Returns 0 on success.
int prima_decode_png(const unsigned char *data, size_t size, prima_decoded_image *out);

/// Decodes a baseline or progressive JPEG (greyscale or YCbCr) to RGB8 with libjpeg's default (accurate
/// integer) DCT and fancy upsampling. A file that ends early is an error. Returns 0 on success.
int prima_decode_jpeg(const unsigned char *data, size_t size, prima_decoded_image *out);

/// Frees `image->pixels` (safe to call on a failed or already released image).
void prima_image_release(prima_decoded_image *image);

#endif
