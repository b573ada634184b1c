// PNG → RGB8 with libpng's low-level API. The simplified API was not used because it applies gamma
// correction and composites alpha, which Pillow (the reference) does not.
//
// Memory follows the output: non-interlaced images stream row by row into the RGB output (with a
// reduction factor, into a row of box sums); only interlaced images, whose rows arrive in seven passes,
// are held whole before conversion.
#include "prima_image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
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

int prima_reduction_factor(unsigned long width, unsigned long height, int min_side) {
    if (min_side <= 0) return 1;
    int factor = 1;
    for (int f = 2; f <= 8; f *= 2) {
        if ((width + f - 1) / f >= (unsigned long)min_side && (height + f - 1) / f >= (unsigned long)min_side) factor = f;
    }
    return factor;
}

// Grey is replicated to R, G, B; alpha (the 2nd or 4th sample) is dropped.
static void row_to_rgb(const unsigned char *src, int channels, png_uint_32 width, unsigned char *dst) {
    for (png_uint_32 x = 0; x < width; x++, src += channels, dst += 3) {
        if (channels <= 2) {
            dst[0] = dst[1] = dst[2] = src[0];
        } else {
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
        }
    }
}

// Box reduction by `factor`: rows are added into `sums` (one per output sample); every `factor` rows (or at
// the last row) the sums become one output row, each divided by the number of pixels in its box.
typedef struct {
    int factor;
    png_uint_32 width, height, out_width;
    uint32_t *sums;
    png_uint_32 rows_in_box;
} box_reducer;

static void reducer_add(box_reducer *r, const unsigned char *src, int channels, png_uint_32 y, unsigned char *out_pixels) {
    for (png_uint_32 x = 0; x < r->width; x++, src += channels) {
        uint32_t *sum = r->sums + (size_t)(x / r->factor) * 3;
        if (channels <= 2) {
            sum[0] += src[0];
            sum[1] += src[0];
            sum[2] += src[0];
        } else {
            sum[0] += src[0];
            sum[1] += src[1];
            sum[2] += src[2];
        }
    }
    r->rows_in_box++;
    if (r->rows_in_box < (png_uint_32)r->factor && y + 1 < r->height) return;
    unsigned char *dst = out_pixels + (size_t)(y / r->factor) * r->out_width * 3;
    for (png_uint_32 ox = 0; ox < r->out_width; ox++) {
        png_uint_32 columns = r->width - ox * r->factor;
        if (columns > (png_uint_32)r->factor) columns = (png_uint_32)r->factor;
        uint32_t count = columns * r->rows_in_box;
        for (int c = 0; c < 3; c++) {
            uint32_t *sum = r->sums + (size_t)ox * 3 + c;
            dst[(size_t)ox * 3 + c] = (unsigned char)((*sum + count / 2) / count);
            *sum = 0;
        }
    }
    r->rows_in_box = 0;
}

int prima_decode_png(const unsigned char *data, size_t size, const prima_decode_options *options, prima_decoded_image *out) {
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
    uint32_t *volatile sums = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        if (!info) snprintf(out->error, sizeof out->error, "out of memory");
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(rows_buffer);
        free(row_pointers);
        free(sums);
        free(out->pixels);
        out->pixels = NULL;
        return 1;
    }
    png_set_read_fn(png, &source, read_from_buffer);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    out->source_width = width;
    out->source_height = height;
    if (width == 0 || height == 0) png_error(png, "image dimensions out of range");
    if ((size_t)width * height > options->max_pixels) {
        snprintf(out->error, sizeof out->error, "%lu x %lu pixels is above the limit of %zu pixels",
                 (unsigned long)width, (unsigned long)height, options->max_pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return PRIMA_IMAGE_TOO_LARGE;
    }
    // Same reductions as Pillow: high byte of 16-bit samples, palette and low-depth grey widened to 8 bits.
    // tRNS is left alone for grey/RGB (Pillow keeps it as metadata, which convert("RGB") ignores); a palette
    // with tRNS expands to RGBA and the alpha is dropped below.
    png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_expand_gray_1_2_4_to_8(png);
    png_set_packing(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || row_bytes != (size_t)width * channels) {
        png_error(png, "unexpected PNG layout after expansion");
    }
    int factor = prima_reduction_factor(width, height, options->min_side);
    png_uint_32 out_width = (width + factor - 1) / factor, out_height = (height + factor - 1) / factor;
    out->pixels = malloc((size_t)out_width * out_height * 3);
    if (!out->pixels) png_error(png, "out of memory");
    box_reducer reducer = {factor, width, height, out_width, NULL, 0};
    if (factor > 1) {
        sums = calloc((size_t)out_width * 3, sizeof(uint32_t));
        if (!sums) png_error(png, "out of memory");
        reducer.sums = sums;
    }

    if (passes == 1) {
        rows_buffer = malloc(row_bytes);
        if (!rows_buffer) png_error(png, "out of memory");
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, rows_buffer, NULL);
            if (factor > 1) reducer_add(&reducer, rows_buffer, channels, y, out->pixels);
            else row_to_rgb(rows_buffer, channels, width, out->pixels + (size_t)y * width * 3);
        }
    } else {
        rows_buffer = malloc(row_bytes * height);
        row_pointers = malloc(sizeof(png_bytep) * height);
        if (!rows_buffer || !row_pointers) png_error(png, "out of memory");
        for (png_uint_32 y = 0; y < height; y++) row_pointers[y] = rows_buffer + y * row_bytes;
        png_read_image(png, row_pointers);
        for (png_uint_32 y = 0; y < height; y++) {
            if (factor > 1) reducer_add(&reducer, row_pointers[y], channels, y, out->pixels);
            else row_to_rgb(row_pointers[y], channels, width, out->pixels + (size_t)y * width * 3);
        }
    }
    png_read_end(png, NULL);

    out->width = (int)out_width;
    out->height = (int)out_height;
    png_destroy_read_struct(&png, &info, NULL);
    free(rows_buffer);
    free(row_pointers);
    free(sums);
    return 0;
}

void prima_image_release(prima_decoded_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
