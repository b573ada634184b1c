// PNG → RGB8 with libpng's low-level API. The simplified API was not used because it applies gamma
// correction and composites alpha, which Pillow (the reference) does not.
#include "prima_image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    prima_decoded_image *out;
} png_source;

static void on_png_error(png_structp png, png_const_charp message) {
    png_source *source = (png_source *)png_get_error_ptr(png);
    snprintf(source->out->error, sizeof source->out->error, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // Ancillary-chunk complaints (bad iCCP, etc.) do not stop decoding, as in Pillow.
}

static void read_from_buffer(png_structp png, png_bytep destination, size_t length) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (length > source->size - source->offset) png_error(png, "file is truncated");
    memcpy(destination, source->data + source->offset, length);
    source->offset += length;
}

int prima_decode_png(const unsigned char *data, size_t size, prima_decoded_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(out->error, sizeof out->error, "missing PNG signature");
        return 1;
    }
    png_source source = {data, size, 8, out};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, on_png_error, on_png_warning);
    if (!png) {
        snprintf(out->error, sizeof out->error, "out of memory");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    // Declared volatile: they change between setjmp and a possible longjmp.
    unsigned char *volatile rows_buffer = NULL;
    png_bytep *volatile row_pointers = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        if (!info) snprintf(out->error, sizeof out->error, "out of memory");
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(rows_buffer);
        free(row_pointers);
        free(out->pixels);
        out->pixels = NULL;
        return 1;
    }
    png_set_read_fn(png, &source, read_from_buffer);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    if (width == 0 || height == 0 || (size_t)width * height > ((size_t)1 << 28)) {
        png_error(png, "image dimensions out of range");
    }
    // Same reductions as Pillow: high byte of 16-bit samples, palette and low-depth grey widened to 8 bits.
    // tRNS is left alone for grey/RGB (Pillow keeps it as metadata, which convert("RGB") ignores); a palette
    // with tRNS expands to RGBA and the alpha is dropped below.
    png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_expand_gray_1_2_4_to_8(png);
    png_set_packing(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || row_bytes != (size_t)width * channels) {
        png_error(png, "unexpected PNG layout after expansion");
    }
    rows_buffer = malloc(row_bytes * height);
    row_pointers = malloc(sizeof(png_bytep) * height);
    out->pixels = malloc((size_t)width * height * 3);
    if (!rows_buffer || !row_pointers || !out->pixels) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) row_pointers[y] = rows_buffer + y * row_bytes;
    png_read_image(png, row_pointers);
    png_read_end(png, NULL);

    // Grey is replicated to R, G, B; alpha (the 2nd or 4th sample) is dropped.
    size_t count = (size_t)width * height;
    const unsigned char *src = rows_buffer;
    unsigned char *dst = out->pixels;
    for (size_t i = 0; i < count; i++, src += channels, dst += 3) {
        if (channels <= 2) {
            dst[0] = dst[1] = dst[2] = src[0];
        } else {
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
        }
    }
    out->width = (int)width;
    out->height = (int)height;
    png_destroy_read_struct(&png, &info, NULL);
    free(rows_buffer);
    free(row_pointers);
    return 0;
}

void prima_image_release(prima_decoded_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
