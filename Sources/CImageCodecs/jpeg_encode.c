// RGB8 → JPEG bytes with libjpeg(-turbo). Errors longjmp back to `prima_encode_jpeg`, never into Swift.
#include "prima_image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr base;  // first member: libjpeg passes a pointer to it
    jmp_buf jump;
    prima_encoded_image *out;
} jpeg_encode_error_context;

static void on_jpeg_encode_error(j_common_ptr cinfo) {
    jpeg_encode_error_context *context = (jpeg_encode_error_context *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    snprintf(context->out->error, sizeof context->out->error, "%s", message);
    longjmp(context->jump, 1);
}

int prima_encode_jpeg(const unsigned char *pixels, int width, int height, int quality, prima_encoded_image *out) {
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0 || quality < 1 || quality > 100) {
        snprintf(out->error, sizeof out->error, "invalid size %d x %d or quality %d", width, height, quality);
        return 1;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_encode_error_context errors;
    // Written by libjpeg (jpeg_mem_dest); volatile so that its value survives the longjmp.
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_jpeg_encode_error;
    errors.out = out;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    out->bytes = buffer;
    out->size = size;
    return 0;
}

void prima_encoded_release(prima_encoded_image *image) {
    free(image->bytes);
    image->bytes = NULL;
    image->size = 0;
}
