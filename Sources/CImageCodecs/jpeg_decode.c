// JPEG → RGB8 with libjpeg(-turbo). Errors longjmp back to `prima_decode_jpeg`, never into Swift.
#include "prima_image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;  // first member: libjpeg passes a pointer to it
    jmp_buf jump;
    prima_decoded_image *out;
} jpeg_error_context;

static void on_jpeg_error(j_common_ptr cinfo) {
    jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    snprintf(context->out->error, sizeof context->out->error, "%s", message);
    longjmp(context->jump, 1);
}

// Warnings are ignored except "premature end of file": libjpeg would pad the image with grey, but a
// truncated file is an error for us (as it is for Pillow).
static void on_jpeg_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
        snprintf(context->out->error, sizeof context->out->error, "file is truncated (premature end of JPEG data)");
        longjmp(context->jump, 1);
    }
}

// A progressive JPEG may hold any number of scans, each a pass over the whole image: a small hostile file
// can make decoding take minutes. Real encoders write about ten; libjpeg-turbo's tools stop at 500.
enum { MAX_PROGRESSIVE_SCANS = 500 };

static void on_jpeg_progress(j_common_ptr common) {
    if (common->is_decompressor) {
        j_decompress_ptr cinfo = (j_decompress_ptr)common;
        if (cinfo->input_scan_number > MAX_PROGRESSIVE_SCANS) {
            jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
            snprintf(context->out->error, sizeof context->out->error, "more than %d progressive scans", MAX_PROGRESSIVE_SCANS);
            longjmp(context->jump, 1);
        }
    }
}

int prima_decode_jpeg(const unsigned char *data, size_t size, const prima_decode_options *options, prima_decoded_image *out) {
    memset(out, 0, sizeof *out);
    struct jpeg_decompress_struct cinfo;
    jpeg_error_context errors;
    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_jpeg_error;
    errors.base.emit_message = on_jpeg_message;
    errors.out = out;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(out->pixels);
        out->pixels = NULL;
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    struct jpeg_progress_mgr progress = {.progress_monitor = on_jpeg_progress};
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space != JCS_GRAYSCALE && cinfo.jpeg_color_space != JCS_YCbCr &&
        cinfo.jpeg_color_space != JCS_RGB) {
        snprintf(out->error, sizeof out->error, "unsupported JPEG colour space %d (CMYK/YCCK)", (int)cinfo.jpeg_color_space);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    out->source_width = cinfo.image_width;
    out->source_height = cinfo.image_height;
    if ((size_t)cinfo.image_width * cinfo.image_height > options->max_pixels) {
        snprintf(out->error, sizeof out->error, "%lu x %lu pixels is above the limit of %zu pixels",
                 (unsigned long)cinfo.image_width, (unsigned long)cinfo.image_height, options->max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return PRIMA_IMAGE_TOO_LARGE;
    }
    cinfo.out_color_space = JCS_RGB;
    // Scaled decoding: the inverse DCT produces the reduced image directly (output side ceil(side / factor)).
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)prima_reduction_factor(cinfo.image_width, cinfo.image_height, options->min_side);
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3 || cinfo.output_width == 0 || cinfo.output_height == 0) {
        ERREXIT(&cinfo, JERR_IMAGE_TOO_BIG);
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    out->pixels = malloc(stride * cinfo.output_height);
    if (!out->pixels) ERREXIT1(&cinfo, JERR_OUT_OF_MEMORY, 0);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out->pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
