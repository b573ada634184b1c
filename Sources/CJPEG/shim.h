// libjpeg-turbo from the system (Debian `libjpeg62-turbo-dev`), for PRIMAData's JPEG decoder.
// jpeglib.h expects size_t and FILE to be declared before it.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
